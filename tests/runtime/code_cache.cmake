# Code cache, W^X code memory, patch_insn_write, icache coherence probes (issue 4).
if(RVJIT_RV64)
  rvjit_add_test(runtime_code_cache_test code_cache_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_patch_test patch_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_wx_policy_test wx_policy_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_code_signal_test code_signal_test.cpp LIBS rvjit_runtime)
  rvjit_add_test(runtime_platform_test platform_test.cpp LIBS rvjit_runtime)
endif()
if(RVJIT_RV64)
  rvjit_add_test(runtime_patch_batch_test patch_batch_test.cpp LIBS rvjit_runtime)
endif()
if(RVJIT_RV64)
  # A refused icache prctl is compensated (issue 13 item 5); qemu-user refuses it.
  rvjit_add_test(runtime_migration_cover_test migration_cover_test.cpp LIBS rvjit_runtime rvjit_jit)
endif()
if(RVJIT_RV64)
  # fork: locks held by other threads, dual_map code owned per process (issue 13 items 1, 7).
  rvjit_add_test(runtime_fork_test runtime_fork_test.cpp LIBS rvjit_runtime rvjit_jit)
endif()
