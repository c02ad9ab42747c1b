# Imported targets for the third-party libraries (see scripts/third-party.sh).
#   rvjit::asmjit    AsmJit core: VirtMem dual mapping (memfd RX + RW views), JitAllocator
#   rvjit::mimalloc  mimalloc: the runtime's dedicated metadata heap
#   GTest::gtest     GoogleTest (host: Debian's package; rv64: cross-built)
#   LLVM (host only) the RISC-V MC layer, the encoding oracle of the host tests
set(_tp "${RVJIT_THIRD_PARTY_PREFIX}")
foreach(lib asmjit mimalloc)
  find_library(RVJIT_${lib}_LIB NAMES ${lib} PATHS "${_tp}/lib" NO_DEFAULT_PATH
               NO_CMAKE_FIND_ROOT_PATH)
  if(NOT RVJIT_${lib}_LIB)
    message(FATAL_ERROR "${lib} not found in ${_tp}: run scripts/setup.sh first")
  endif()
  add_library(rvjit::${lib} STATIC IMPORTED GLOBAL)
  set_target_properties(rvjit::${lib} PROPERTIES IMPORTED_LOCATION "${RVJIT_${lib}_LIB}"
                        INTERFACE_INCLUDE_DIRECTORIES "${_tp}/include")
endforeach()
set_property(TARGET rvjit::asmjit APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS ASMJIT_STATIC)
find_package(Threads REQUIRED)
set_property(TARGET rvjit::asmjit APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads rt)
set_property(TARGET rvjit::mimalloc APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)

if(RVJIT_BUILD_TESTS)
  if(RVJIT_RV64)
    find_package(GTest CONFIG REQUIRED PATHS "${_tp}" NO_DEFAULT_PATH)
  else()
    find_package(GTest REQUIRED)
  endif()
endif()

if(NOT RVJIT_RV64)
  find_package(LLVM 19.1 CONFIG REQUIRED PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
  find_package(benchmark QUIET)
  # One imported target for everything that needs LLVM's RISC-V MC layer.
  add_library(rvjit_llvm_mc INTERFACE)
  # Debian's LLVM is built with LLVM_LINK_LLVM_DYLIB: link the one shared library
  # (seconds per test binary instead of tens of seconds for the static archives).
  target_include_directories(rvjit_llvm_mc SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
  separate_arguments(_llvm_defs UNIX_COMMAND "${LLVM_DEFINITIONS}")
  target_compile_definitions(rvjit_llvm_mc INTERFACE ${_llvm_defs})
  target_link_libraries(rvjit_llvm_mc INTERFACE LLVM)
endif()
