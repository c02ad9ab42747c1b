# jit_target_from_hwprobe (hwprobe.h): the Assembler target built from riscv_hwprobe has
# exactly the extensions isa_extensions() reports, and code emitted for it runs (RV64,
# under qemu-riscv64); the mapping itself and the host's baseline target on both presets.
rvjit_add_test(runtime_hwprobe_target_test hwprobe_target_test.cpp LIBS rvjit_runtime)
