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
