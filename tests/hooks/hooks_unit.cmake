if(RVJIT_RV64)
  rvjit_add_test(hooks_manager_test hook_manager_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_c_api_test hooks_c_api_test.cpp hooks_c_api_use.c LIBS rvjit_hooks_stress)
  # Failure semantics and hostile interleavings (issue 13); fork_child.h is shared with
  # the runtime tests.
  rvjit_add_test(hooks_failure_test hook_failure_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_nested_signal_test hook_nested_signal_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_patch_order_test hook_patch_order_test.cpp LIBS rvjit_hooks_stress)
  # Its own process: it takes the early pthread keys before the library and replaces malloc.
  rvjit_add_test(hooks_late_key_test hook_late_key_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_fast_path_test hook_fast_path_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_fast_exit_test hook_fast_exit_test.cpp LIBS rvjit_hooks_stress)
  foreach(t hooks_failure_test hooks_nested_signal_test)
    target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/runtime)
  endforeach()
endif()
