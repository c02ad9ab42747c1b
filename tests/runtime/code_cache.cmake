# Code cache, W^X code memory, patch_insn_write, icache coherence probes (issue 4).
if(RVJIT_RV64)
  rvjit_add_test(runtime_code_cache_test code_cache_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_patch_test patch_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_wx_policy_test wx_policy_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_code_signal_test code_signal_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_platform_test platform_test.cpp LIBS rvjit_runtime)
endif()
