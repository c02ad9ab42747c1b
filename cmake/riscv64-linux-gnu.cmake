# Toolchain for riscv64-linux-gnu (Debian's g++-riscv64-linux-gnu). Tests run through
# qemu-riscv64 with the cross sysroot, so ctest runs RV64 binaries transparently.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/riscv64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# rv64gc plus the extensions QEMU 10 implements; the runtime probes the real hart
# (riscv_hwprobe) before the JIT emits any optional extension.
set(CMAKE_C_FLAGS_INIT "-march=rv64gc")
set(CMAKE_CXX_FLAGS_INIT "-march=rv64gc")
find_program(RVJIT_QEMU_RISCV64 qemu-riscv64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${RVJIT_QEMU_RISCV64};-L;/usr/riscv64-linux-gnu")
