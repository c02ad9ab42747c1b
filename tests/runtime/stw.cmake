# Thread registry and stop-the-world rendezvous (runtime issue 5).
rvjit_add_test(registry_test registry_test.cpp LIBS rvjit_runtime)
rvjit_add_test(stw_test stw_test.cpp LIBS rvjit_runtime)
# The test-only stall hook lives in the runtime's private header.
target_include_directories(stw_test PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
if(RVJIT_RV64)
  # Generates RV64 code at run time: a two-word site rewritten inside a rendezvous.
  rvjit_add_test(stw_fixup_test stw_fixup_test.cpp LIBS rvjit_runtime rvjit_jit)
endif()
# Hostile interleavings (issue 13 items 3, 10, 11): stdio/malloc locks held by parked
# threads, threads inside other signal handlers, a reader that loses its CPU.
rvjit_add_test(stw_hostile_test stw_hostile_test.cpp LIBS rvjit_runtime)
target_include_directories(stw_hostile_test PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
