# Hooks on the real kernel (dual_map: one_word sites synced by membarrier / flush syscall):
# the hot-swap stress in every layout x strategy, thread churn, a thread blocking the
# rendezvous signal, fork with live hooks, and a soak (RVJIT_SOAK seconds, default 60)
# (issue 8 item 2, parts 3, 4, 5, 7, 8).
list(APPEND RVJIT_SYSTEM_TEST_SOURCES hooks_kernel_test.cpp)
list(APPEND RVJIT_SYSTEM_TEST_LIBS rvjit_hooks_stress)
# The patch-order and failed-sync tests of tests/hooks also run here: on this kernel the
# one_word sites take the membarrier / flush path, whose failed sync must undo its writes
# (under qemu-user that case is skipped: neither syscall answers).
list(APPEND RVJIT_SYSTEM_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/hooks/hook_patch_order_test.cpp)
