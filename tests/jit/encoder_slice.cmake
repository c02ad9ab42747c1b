# The first encoder slice against LLVM MC, in one process (host only: needs the oracle).
if(NOT RVJIT_RV64)
  rvjit_add_test(jit_slice_llvm_test slice_llvm_test.cpp
                 LIBS rvjit_jit rvjit_llvm_mc_oracle)
endif()
