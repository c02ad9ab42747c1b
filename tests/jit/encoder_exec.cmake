# Encoded instructions executed on RV64 (qemu-riscv64): semantics against C++ references.
if(RVJIT_RV64)
  rvjit_add_test(jit_encoder_exec_test encoder_exec_test.cpp LIBS rvjit_jit)
endif()
# Zcb auto-compression executed (every Zcb form, every x8-x15 register combination):
# compressed, C-only and uncompressed code against a C++ model (qemu-riscv64).
if(RVJIT_RV64)
  rvjit_add_test(jit_zcb_exec_test zcb_exec_test.cpp LIBS rvjit_jit)
endif()
