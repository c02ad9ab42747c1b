# The harness's parameter plumbing (kernel command line -> environment).
list(APPEND RVJIT_SYSTEM_TEST_SOURCES guest_params_test.cpp)
