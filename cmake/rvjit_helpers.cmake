# rvjit_add_test(NAME SOURCES... [LIBS libs...] [LABELS labels...])
# A GoogleTest executable registered with ctest. In the rv64 preset ctest runs it through
# CMAKE_CROSSCOMPILING_EMULATOR (qemu-riscv64 with the cross sysroot).
function(rvjit_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${RVJIT_ARCH};${T_LABELS}")
endfunction()

# Warnings for the project's own code (not third-party).
function(rvjit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# Every ctest TIMEOUT in this project is a hang guard, written as the time a test may take
# on a quiet 2-core machine. CI machines are shared: with eight busy processes beside the
# suite (scripts/load.sh 8) a CPU-bound test gets about a fifth of a core and the encoder's
# differential test hit its 300 s guard. So the guards are scaled here, once, for the
# tests of the calling directory (test properties are directory-scoped before CMake 3.28).
set(RVJIT_TEST_TIMEOUT_SCALE 5 CACHE STRING
    "Multiplier applied to every test's TIMEOUT (hang guard) so a loaded machine passes")
function(rvjit_scale_test_timeouts)
  get_property(_tests DIRECTORY PROPERTY TESTS)
  foreach(_t IN LISTS _tests)
    get_test_property(${_t} TIMEOUT _timeout)
    if(_timeout)
      math(EXPR _scaled "${_timeout} * ${RVJIT_TEST_TIMEOUT_SCALE}")
      set_tests_properties(${_t} PROPERTIES TIMEOUT ${_scaled})
    endif()
  endforeach()
endfunction()
