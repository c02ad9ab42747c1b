# Profiler/debugger opt-in without code (code_cache.h): with RVJIT_PERF_MAP=1,
# RVJIT_JITDUMP=1 and RVJIT_GDB_JIT=1 in the environment, every function installed through
# a CodeCache shows up in /tmp/perf-<pid>.map, in $JITDUMPDIR/jit-<pid>.dump and in gdb's
# JIT list (RV64, under qemu-riscv64).
if(RVJIT_RV64)
  rvjit_add_test(runtime_perf_optin_test perf_optin_test.cpp LIBS rvjit_runtime)
  set(_perf_optin_dir ${CMAKE_CURRENT_BINARY_DIR}/perf_optin_jitdump)
  file(MAKE_DIRECTORY ${_perf_optin_dir})
  set_tests_properties(runtime_perf_optin_test PROPERTIES ENVIRONMENT
    "RVJIT_PERF_MAP=1;RVJIT_JITDUMP=1;RVJIT_GDB_JIT=1;JITDUMPDIR=${_perf_optin_dir}")
endif()
