# PerfMapWriter: lines of /tmp/perf-<pid>.map parsed back (both presets).
rvjit_add_test(perf_map_test perf_map_test.cpp LIBS rvjit_jit rvjit_runtime)
