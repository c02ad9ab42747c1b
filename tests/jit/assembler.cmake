# The Assembler proper: labels, relaxation, li, pool, calls, relocations (J2).
rvjit_add_test(jit_assembler_labels_test assembler_labels_test.cpp LIBS rvjit_jit)
if(NOT RVJIT_RV64)
  # li against LLVM's RISCVMatInt through the MC oracle.
  rvjit_add_test(jit_li_llvm_test li_llvm_test.cpp LIBS rvjit_jit rvjit_llvm_mc_oracle)
  # li against the search of commit f6fbae7 on 1.2 M constants per extension set.
  rvjit_add_test(jit_li_reference_test li_reference_test.cpp li_reference.cpp LIBS rvjit_jit)
  # li's bound on every sequence (jit/src/li_bound.h) against enumerated two-step sequences.
  rvjit_add_test(jit_li_bound_test li_bound_test.cpp LIBS rvjit_jit)
endif()
if(RVJIT_RV64)
  # Relaxed code, li and relocations executed from a W^X page under qemu-riscv64.
  rvjit_add_test(jit_assembler_exec_test assembler_exec_test.cpp LIBS rvjit_jit)
endif()
if(NOT RVJIT_RV64)
  # Relaxed output read back by LLVM MC: every instruction round-trips, forms as documented.
  rvjit_add_test(jit_assembler_llvm_test assembler_llvm_test.cpp LIBS rvjit_jit rvjit_llvm_mc_oracle)
endif()
