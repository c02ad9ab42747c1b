# rendezvous_bench: stop_the_world latency next to membarrier SYNC_CORE and
# riscv_flush_icache, same binary for the host and for RV64 (run under qemu-riscv64).
add_executable(rendezvous_bench rendezvous_bench.cpp)
target_link_libraries(rendezvous_bench PRIVATE rvjit_runtime)
rvjit_warnings(rendezvous_bench)
