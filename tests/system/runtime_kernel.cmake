# rvjit's runtime on the real kernel: the W^X probe picks dual_map, the coherence probes
# find membarrier SYNC_CORE / flush syscall / icache prctl, CodeCache + patch_insn_write
# patching seen by the other hart, no W+X mapping ever (issue 8 item 2, parts 1, 2, 6).
list(APPEND RVJIT_SYSTEM_TEST_SOURCES runtime_kernel_test.cpp)
list(APPEND RVJIT_SYSTEM_TEST_LIBS rvjit_hooks_stress rvjit_hooks rvjit_runtime)
