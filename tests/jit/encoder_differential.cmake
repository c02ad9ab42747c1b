# Every encoder form against LLVM MC: valid, round-trip and invalid operands (host only).
if(NOT RVJIT_RV64)
  rvjit_add_test(jit_differential_encoder_test differential_encoder_test.cpp
                 differential_forms.cpp LIBS rvjit_jit rvjit_llvm_mc_oracle TIMEOUT 300)
endif()
