# W^X dual mapping on the real kernel: same-thread and cross-thread code patching.
list(APPEND RVJIT_SYSTEM_TEST_SOURCES dual_map_test.cpp)
