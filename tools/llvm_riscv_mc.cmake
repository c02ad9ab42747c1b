# Shared LLVM RISC-V MC setup (host only), defined here and not under tests/ so that
# everything using it builds with -DRVJIT_BUILD_TESTS=OFF too:
#   rvjit_riscv_mc_core    target, register/asm/subtarget/instruction info (rvjit-objdump)
#   rvjit_llvm_mc_oracle   the encoder oracle on top of it (tests/jit and bench/jit_bench)
if(NOT RVJIT_RV64)
  add_library(rvjit_riscv_mc_core STATIC ${CMAKE_CURRENT_SOURCE_DIR}/llvm-riscv-mc/riscv_mc_core.cpp)
  target_include_directories(rvjit_riscv_mc_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/llvm-riscv-mc)
  target_link_libraries(rvjit_riscv_mc_core PUBLIC rvjit_llvm_mc)
  rvjit_warnings(rvjit_riscv_mc_core)

  add_library(rvjit_llvm_mc_oracle STATIC ${CMAKE_CURRENT_SOURCE_DIR}/llvm-riscv-mc/llvm_mc_oracle.cpp)
  target_link_libraries(rvjit_llvm_mc_oracle PUBLIC rvjit_riscv_mc_core)
  rvjit_warnings(rvjit_llvm_mc_oracle)
endif()
