# hooks benchmarks (RV64 only: hook sites and trampolines are RISC-V code). See
# docs/benchmarks.md, section "hooks".
#   hooks_insn_count   calls each site variant once between markers; the instructions are
#                      counted by tools/hooks_insn_count.py (gdb stepi over qemu's gdbstub)
#   hooks_toggle_bench enable()/disable() latency for 1..100,000 sites, 1 and 4 busy
#                      threads, per sync strategy (plain main, run under qemu-riscv64)
if(RVJIT_RV64)
  add_executable(hooks_insn_count hooks_insn_count.cpp)
  target_link_libraries(hooks_insn_count PRIVATE rvjit_hooks)
  rvjit_warnings(hooks_insn_count)

  add_executable(hooks_toggle_bench hooks_toggle_bench.cpp)
  target_link_libraries(hooks_toggle_bench PRIVATE rvjit_hooks Threads::Threads)
  rvjit_warnings(hooks_toggle_bench)
endif()
