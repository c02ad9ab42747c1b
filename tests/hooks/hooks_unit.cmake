if(RVJIT_RV64)
  rvjit_add_test(hooks_manager_test hook_manager_test.cpp hooked_code.cpp LIBS rvjit_hooks)
  rvjit_add_test(hooks_c_api_test hooks_c_api_test.cpp hooks_c_api_use.c hooked_code.cpp LIBS rvjit_hooks)
endif()
