# Shared LLVM RISC-V MC setup for the host tools and the encoder oracle (host only).
if(NOT RVJIT_RV64)
  add_library(rvjit_riscv_mc_core STATIC ${CMAKE_CURRENT_SOURCE_DIR}/llvm-riscv-mc/riscv_mc_core.cpp)
  target_include_directories(rvjit_riscv_mc_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/llvm-riscv-mc)
  target_link_libraries(rvjit_riscv_mc_core PUBLIC rvjit_llvm_mc)
  rvjit_warnings(rvjit_riscv_mc_core)
endif()
