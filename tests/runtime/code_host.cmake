# Host (x86_64): the dual_map W^X policy end to end, where its probe passes.
if(NOT RVJIT_RV64)
  rvjit_add_test(runtime_code_dual_map_host_test code_dual_map_host_test.cpp LIBS rvjit_runtime)
endif()
