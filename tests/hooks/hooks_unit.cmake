if(RVJIT_RV64)
  rvjit_add_test(hooks_manager_test hook_manager_test.cpp LIBS rvjit_hooks_stress)
  rvjit_add_test(hooks_c_api_test hooks_c_api_test.cpp hooks_c_api_use.c LIBS rvjit_hooks_stress)
endif()
