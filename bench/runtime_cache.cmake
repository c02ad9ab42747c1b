# runtime_cache_bench: CodeCache install throughput (1k/10k/100k small functions) and the
# cost of one patch_insn_write per site, for each W^X policy. RV64 (under qemu: flip) and
# x86_64 host (where the dual_map probe passes, for the policy comparison).
add_executable(runtime_cache_bench runtime_cache_bench.cpp)
target_link_libraries(runtime_cache_bench PRIVATE rvjit_runtime)
rvjit_warnings(runtime_cache_bench)
