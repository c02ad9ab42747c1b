# JitTarget: instructions of optional extensions (C, Zba, Zbb, Zbs, Zicond, Zfa, Zcb) are
# emitted only when the Assembler's target has them; kUnsupported otherwise (both presets).
rvjit_add_test(jit_extensions_target_test extensions_target_test.cpp LIBS rvjit_jit)
