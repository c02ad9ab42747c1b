# rvjit-icache-check: the QEMU TCG plugin (a HOST shared library, whatever the preset's
# target) and its wrapper script, both into <build>/tools/icache-check/. Built with the host
# C++ compiler against qemu-plugin.h, which scripts/qemu-plugin-user.sh (run by setup)
# installs into the cache with the plugin-capable qemu-riscv64. docs/icache-check.md.
set(RVJIT_QEMU_PLUGIN_DIR "$ENV{HOME}/.cache/rvjit/qemu-plugin" CACHE PATH
    "Plugin-capable qemu-riscv64 and qemu-plugin.h (scripts/qemu-plugin-user.sh)")
if(DEFINED ENV{RVJIT_CACHE})
  set(RVJIT_QEMU_PLUGIN_DIR "$ENV{RVJIT_CACHE}/qemu-plugin" CACHE PATH "" FORCE)
endif()
find_program(RVJIT_HOST_CXX NAMES g++ c++)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(RVJIT_GLIB QUIET glib-2.0)
endif()

if(NOT EXISTS "${RVJIT_QEMU_PLUGIN_DIR}/include/qemu-plugin.h" OR NOT RVJIT_HOST_CXX
   OR NOT RVJIT_GLIB_FOUND)
  message(WARNING "rvjit-icache-check not built: needs ${RVJIT_QEMU_PLUGIN_DIR}/include/"
                  "qemu-plugin.h (run scripts/setup.sh), a host g++ and glib-2.0 headers")
  set(RVJIT_ICACHE_CHECK OFF CACHE INTERNAL "")
  return()
endif()
set(RVJIT_ICACHE_CHECK ON CACHE INTERNAL "")

set(_ic_src ${CMAKE_CURRENT_LIST_DIR}/icache-check)
set(_ic_out ${CMAKE_BINARY_DIR}/tools/icache-check)
# Visible to tests/icache (a sibling directory).
set(RVJIT_ICACHE_PLUGIN ${_ic_out}/libicache-check.so CACHE INTERNAL "")
set(RVJIT_ICACHE_WRAPPER ${_ic_out}/rvjit-icache-check CACHE INTERNAL "")
set(_ic_sources ${_ic_src}/model.cpp ${_ic_src}/address_space.cpp ${_ic_src}/symbols.cpp
                ${_ic_src}/plugin.cpp)
set(_ic_glib_flags)
foreach(_d IN LISTS RVJIT_GLIB_INCLUDE_DIRS)
  list(APPEND _ic_glib_flags "-I${_d}")
endforeach()
add_custom_command(
  OUTPUT ${RVJIT_ICACHE_PLUGIN}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_ic_out}
  COMMAND ${RVJIT_HOST_CXX} -std=c++17 -O2 -g -fPIC -shared -Wall -Wextra
          -Wno-unused-parameter -I${RVJIT_QEMU_PLUGIN_DIR}/include ${_ic_glib_flags}
          ${_ic_sources} -o ${RVJIT_ICACHE_PLUGIN}
  DEPENDS ${_ic_sources} ${_ic_src}/model.h ${_ic_src}/address_space.h ${_ic_src}/symbols.h
  COMMENT "Building the icache-check QEMU plugin (host)"
  VERBATIM)
add_custom_command(
  OUTPUT ${RVJIT_ICACHE_WRAPPER}
  COMMAND ${CMAKE_COMMAND} -E copy ${_ic_src}/rvjit-icache-check ${RVJIT_ICACHE_WRAPPER}
  DEPENDS ${_ic_src}/rvjit-icache-check
  VERBATIM)
add_custom_target(rvjit_icache_check ALL DEPENDS ${RVJIT_ICACHE_PLUGIN} ${RVJIT_ICACHE_WRAPPER})
