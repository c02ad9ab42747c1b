# The eBPF VM's RV64 JIT engine: interpreter-vs-JIT differential runs over every .data
# program (results, errors with their pc, final mem, budgets swept instruction by
# instruction) and the JIT's hook sites (one per eBPF function, traced recursion).
# On the host build the same binary only checks that "jit" is not offered.
if(TARGET rvjit_ebpf)
  rvjit_add_test(ebpf_jit_test ebpf_jit_test.cpp LIBS rvjit_ebpf)
  target_compile_definitions(ebpf_jit_test PRIVATE
    EBPF_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ebpf"
    EBPF_SAMPLE_DIR="${PROJECT_SOURCE_DIR}/samples/programs"
    EBPF_CONFORMANCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ebpf-conformance")
  if(RVJIT_RV64)
    rvjit_add_test(ebpf_jit_random_test ebpf_jit_random_test.cpp LIBS rvjit_ebpf)
    # The JIT-vs-interpreter benchmark (docs/benchmarks.md); ctest runs it once, quickly,
    # as a smoke test (it fails on a wrong r0).
    add_executable(ebpf_jit_bench ebpf_jit_bench.cpp)
    target_link_libraries(ebpf_jit_bench PRIVATE rvjit_ebpf)
    target_compile_definitions(ebpf_jit_bench PRIVATE
      EBPF_SAMPLE_DIR="${PROJECT_SOURCE_DIR}/samples/programs")
    rvjit_warnings(ebpf_jit_bench)
    add_test(NAME ebpf_jit_bench_smoke COMMAND ebpf_jit_bench --quick)
    set_tests_properties(ebpf_jit_bench_smoke PROPERTIES LABELS "${RVJIT_ARCH}")
  endif()
endif()
