# Cross-thread code patching through the dual mapping, synced by membarrier or the flush
# syscall; RVJIT_SYSTEM_ARGS="soak=<s>" turns it into a soak.
list(APPEND RVJIT_SYSTEM_TEST_SOURCES cross_thread_patch_test.cpp)
