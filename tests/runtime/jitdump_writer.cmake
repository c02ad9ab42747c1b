# JitdumpWriter + parse_jitdump: written records parsed back; malformed files rejected
# with offsets (both presets).
rvjit_add_test(jitdump_writer_test jitdump_writer_test.cpp LIBS rvjit_jit rvjit_runtime)
