if(RVJIT_RV64)
  # Hooked test functions and the stress run, as a library: the system tests on a real
  # kernel link it too.
  add_library(rvjit_hooks_stress STATIC stress/hooks_stress.cpp hooked_code.cpp)
  target_include_directories(rvjit_hooks_stress PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(rvjit_hooks_stress PUBLIC rvjit_hooks)

  add_executable(hooks_stress_test hooks_stress_test.cpp)
  target_link_libraries(hooks_stress_test PRIVATE rvjit_hooks_stress GTest::gtest GTest::gtest_main)
  # One ctest entry per layout x strategy, so ctest -j runs them side by side.
  foreach(layout one_word two_word)
    foreach(sync stop_the_world membarrier flush_syscall auto)
      set(name hooks_stress_${layout}_${sync})
      add_test(NAME ${name} COMMAND hooks_stress_test
               --gtest_filter=LayoutsAndStrategies/HooksStress.*/${layout}_${sync})
      set_tests_properties(${name} PROPERTIES TIMEOUT 900 LABELS "rv64;stress")
    endforeach()
  endforeach()
endif()
