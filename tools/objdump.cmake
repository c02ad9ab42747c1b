# rvjit-objdump (host only: LLVM cannot be linked into the RV64 binaries): prints the
# disassembly of every function of a jitdump file. The core is a library so the tests in
# tests/tools/ can call it in-process as well as run the binary.
if(NOT RVJIT_RV64)
  add_library(rvjit_objdump_core STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/rvjit-objdump/rv_disassembler.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/rvjit-objdump/listing.cpp)
  target_include_directories(rvjit_objdump_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/rvjit-objdump)
  target_link_libraries(rvjit_objdump_core PUBLIC rvjit_runtime rvjit_riscv_mc_core)
  rvjit_warnings(rvjit_objdump_core)
  add_executable(rvjit-objdump ${CMAKE_CURRENT_SOURCE_DIR}/rvjit-objdump/main.cpp)
  target_link_libraries(rvjit-objdump PRIVATE rvjit_objdump_core)
  rvjit_warnings(rvjit-objdump)
endif()
