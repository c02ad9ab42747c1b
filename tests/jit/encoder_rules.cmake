# Encoder error rules and auto-compression switch; no LLVM needed, so both architectures.
rvjit_add_test(jit_encoder_rules_test encoder_rules_test.cpp LIBS rvjit_jit)
