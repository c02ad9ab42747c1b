if(RVJIT_RV64)
  # The vertical slice: emit with rvjit's encoder, run it from a W^X page under qemu.
  rvjit_add_test(runtime_slice_exec_test slice_exec_test.cpp LIBS rvjit_jit rvjit_runtime)
endif()
