# rvjit-platform: prints the platform report (W^X policy probe, icache coherence
# primitives, ISA extensions). RV64 binary; run it under qemu-riscv64 or on a real hart.
add_executable(rvjit-platform ${CMAKE_CURRENT_LIST_DIR}/rvjit-platform/main.cpp)
target_link_libraries(rvjit-platform PRIVATE rvjit_runtime)
rvjit_warnings(rvjit-platform)
# Its smoke test: tests/runtime/platform_cli.cmake.
