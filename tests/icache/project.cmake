# The project's own code-patching RV64 tests under the user-mode checker: each must pass
# and the checker must find 0 hazards (expect_hazards.sh clean). Not run under the plugin:
# tests that fork a multi-threaded process (QEMU 10.0.2's plugin core asserts when such a
# fork child creates a thread: platform-facts §8), hence the *Fork* filters.
# Under qemu-user every hook sync strategy resolves to stop_the_world (the W^X probe picks
# flip), so one stress entry per layout covers all four strategies; they run at a reduced
# size (docs/testing.md); membarrier and the flush syscall are judged in system mode.
set(_ic_nofork --gtest_filter=-*Fork*:*fork*)
function(rvjit_icache_project_test name target)
  if(NOT TARGET ${target})
    return()
  endif()
  add_test(NAME icache_${name}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/expect_hazards.sh clean ${RVJIT_ICACHE_WRAPPER}
                   $<TARGET_FILE:${target}> ${ARGN})
  set_tests_properties(icache_${name} PROPERTIES LABELS "rv64;icache" TIMEOUT 1200)
endfunction()

rvjit_icache_project_test(runtime_code_cache runtime_code_cache_test ${_ic_nofork})
rvjit_icache_project_test(runtime_patch runtime_patch_test ${_ic_nofork})
rvjit_icache_project_test(runtime_patch_batch runtime_patch_batch_test ${_ic_nofork})
rvjit_icache_project_test(runtime_code_signal runtime_code_signal_test ${_ic_nofork})
rvjit_icache_project_test(stw stw_test ${_ic_nofork})
rvjit_icache_project_test(stw_fixup stw_fixup_test ${_ic_nofork})
rvjit_icache_project_test(hooks_manager hooks_manager_test ${_ic_nofork})
rvjit_icache_project_test(hooks_c_api hooks_c_api_test ${_ic_nofork})
rvjit_icache_project_test(ebpf_jit ebpf_jit_test ${_ic_nofork})
foreach(layout one_word two_word)
  rvjit_icache_project_test(hooks_stress_${layout} hooks_stress_test
    --gtest_filter=LayoutsAndStrategies/HooksStress.*/${layout}_auto)
  if(TEST icache_hooks_stress_${layout})
    set_tests_properties(icache_hooks_stress_${layout} PROPERTIES LABELS "rv64;icache;stress"
      ENVIRONMENT "RVJIT_STRESS_OPS=2000;RVJIT_STRESS_FUNCTIONS=1000;RVJIT_STRESS_RENDEZVOUS_MS=10000")
  endif()
endforeach()
# rvprof: hot attach/detach and bursts while the program runs (its own checks are the
# rvprof_e2e_* entries; here the run must succeed with 0 hazards).
if(TARGET rvprof)
  set(_ic_programs ${PROJECT_SOURCE_DIR}/samples/programs)
  rvjit_icache_project_test(rvprof_attach_detach rvprof --attach-ms 50 --detach-ms 250
    --duration 400 --out ${CMAKE_CURRENT_BINARY_DIR}/icache-rvprof-attach ${_ic_programs}/fib.data)
  rvjit_icache_project_test(rvprof_burst rvprof --burst 40:40 --duration 800
    --out ${CMAKE_CURRENT_BINARY_DIR}/icache-rvprof-burst ${_ic_programs}/fib.data)
  rvjit_icache_project_test(rvprof_threads rvprof --threads 3 --repeat 2
    --out ${CMAKE_CURRENT_BINARY_DIR}/icache-rvprof-threads ${_ic_programs}/fib.data)
endif()
