# The kernel's cross-modifying-code interfaces, one syscall at a time (platform-facts §5).
list(APPEND RVJIT_SYSTEM_TEST_SOURCES kernel_interfaces_test.cpp)
