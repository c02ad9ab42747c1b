# The patch-word decoder: against LLVM's disassembler on the host; its rules and
# Assembler round trips on both architectures.
if(NOT RVJIT_RV64)
  rvjit_add_test(jit_decoder_test decoder_test.cpp LIBS rvjit_jit rvjit_llvm_mc_oracle)
endif()
rvjit_add_test(jit_decoder_rules_test decoder_rules_test.cpp LIBS rvjit_jit)
