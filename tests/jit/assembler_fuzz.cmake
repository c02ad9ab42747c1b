# libFuzzer target for the Assembler (host, clang only). The jit sources are compiled
# into the fuzzer itself so that they get the coverage and sanitizer instrumentation.
# ctest runs it for a bounded time from an empty corpus (new inputs go to a scratch dir).
if(NOT RVJIT_RV64 AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  file(GLOB _j2_jit_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/jit/src/*.cpp)
  add_executable(fuzz_assembler fuzz_assembler.cpp ${_j2_jit_sources})
  target_include_directories(fuzz_assembler PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(fuzz_assembler PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz_assembler PRIVATE -fsanitize=fuzzer,address,undefined)
  set(_j2_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_assembler_corpus)
  file(MAKE_DIRECTORY ${_j2_corpus})
  add_test(NAME jit_fuzz_assembler
           COMMAND fuzz_assembler -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz_assembler_ -max_total_time=20 -runs=200000 -max_len=4096
                   -rss_limit_mb=2048 ${_j2_corpus})
  set_tests_properties(jit_fuzz_assembler PROPERTIES TIMEOUT 120 LABELS "${RVJIT_ARCH};fuzz")
endif()
