# jit_bench (host, Google Benchmark): rvjit Assembler encoding throughput next to LLVM MC's
# encodeInstruction in the same process. See docs/benchmarks.md, section "jit".
if(NOT RVJIT_RV64 AND benchmark_FOUND)
  add_executable(jit_bench jit_bench.cpp jit_bench_streams.cpp)
  target_link_libraries(jit_bench PRIVATE rvjit_jit rvjit_llvm_mc_oracle benchmark::benchmark)
  rvjit_warnings(jit_bench)
endif()
