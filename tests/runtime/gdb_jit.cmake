# GDB JIT interface: the in-memory ELF and the descriptor list (both presets; the host
# also checks the ELF with readelf), and on RV64 a real gdb session: qemu-riscv64's
# gdbstub + gdb-multiarch must name a JIT'd function in a backtrace.
rvjit_add_test(gdb_jit_registrar_test gdb_jit_registrar_test.cpp LIBS rvjit_runtime)
if(NOT RVJIT_RV64)
  find_program(RVJIT_READELF NAMES readelf llvm-readelf-19 REQUIRED)
  target_compile_definitions(gdb_jit_registrar_test PRIVATE RVJIT_READELF="${RVJIT_READELF}")
endif()

if(RVJIT_RV64)
  # Static, so gdb needs no sysroot to find shared libraries behind qemu's gdbstub.
  add_executable(gdb_jit_demo gdb_jit_demo.cpp)
  target_link_libraries(gdb_jit_demo PRIVATE rvjit_runtime)
  target_link_options(gdb_jit_demo PRIVATE -static)
  rvjit_warnings(gdb_jit_demo)
  find_program(RVJIT_GDB_MULTIARCH gdb-multiarch)
  if(RVJIT_GDB_MULTIARCH)
    add_test(NAME gdb_jit_backtrace_test
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/gdb_jit_backtrace_test.sh
                     $<TARGET_FILE:gdb_jit_demo> ${RVJIT_QEMU_RISCV64} ${RVJIT_GDB_MULTIARCH})
    set_tests_properties(gdb_jit_backtrace_test PROPERTIES TIMEOUT 180
                         LABELS "${RVJIT_ARCH};gdb")
  else()
    message(WARNING "gdb-multiarch not found: gdb_jit_backtrace_test is not registered")
  endif()
endif()
