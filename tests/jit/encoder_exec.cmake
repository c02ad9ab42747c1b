# Encoded instructions executed on RV64 (qemu-riscv64): semantics against C++ references.
if(RVJIT_RV64)
  rvjit_add_test(jit_encoder_exec_test encoder_exec_test.cpp LIBS rvjit_jit)
endif()
