# Installation: `cmake --install <build> [--prefix <dir>]` puts in place
#   include/rvjit/**                       the public headers
#   lib/librvjit_{jit,runtime,hooks}.a      the libraries (hooks: where it is a real library)
#   lib/librvjit_{asmjit,mimalloc}.a        rvjit-private copies of the third-party static
#                                          libraries the runtime links (renamed so they never
#                                          clash with a system asmjit / mimalloc)
#   lib/cmake/rvjit/                       the CMake package: find_package(rvjit) gives
#                                          rvjit::jit, rvjit::runtime, rvjit::hooks
#   lib/pkgconfig/rvjit.pc                 pkg-config
#   share/doc/rvjit/                       packaging.md and the third-party licences
# See docs/packaging.md.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RVJIT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/rvjit" CACHE STRING
    "Where the rvjit CMake package files are installed (relative to the prefix)")

# The libraries, in link order (a library before the ones it uses). Install whatever kind
# of target each one is, and only where it exists for this architecture.
set(_rvjit_install_targets "")
set(_rvjit_pc_libs "")
foreach(_name hooks runtime jit)
  if(NOT TARGET rvjit_${_name})
    continue()
  endif()
  set_target_properties(rvjit_${_name} PROPERTIES EXPORT_NAME ${_name})
  # The public headers are C++20: consumers get the standard with the target.
  target_compile_features(rvjit_${_name} INTERFACE cxx_std_20)
  list(APPEND _rvjit_install_targets rvjit_${_name})
  get_target_property(_type rvjit_${_name} TYPE)
  if(NOT _type STREQUAL "INTERFACE_LIBRARY")
    string(APPEND _rvjit_pc_libs " -lrvjit_${_name}")
  endif()
endforeach()

install(TARGETS ${_rvjit_install_targets} EXPORT rvjitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rvjit
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" PATTERN "*.inc")

# Third-party static libraries the runtime links (rvjit::asmjit, rvjit::mimalloc, see
# third_party.cmake): installed as lib/librvjit_<name>.a; rvjitConfig.cmake recreates the
# imported targets from those copies, rvjit.pc names them. Their headers are not part of
# any rvjit public header, so they are not installed.
set(_rvjit_private_libs asmjit mimalloc)
foreach(_lib IN LISTS _rvjit_private_libs)
  get_target_property(_loc rvjit::${_lib} IMPORTED_LOCATION)
  install(FILES "${_loc}" DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME librvjit_${_lib}.a)
  string(APPEND _rvjit_pc_libs " -lrvjit_${_lib}")
endforeach()
# Their licences (MIT, zlib) travel with the binaries, from the Debian sources
# scripts/third-party.sh unpacked (when that tree is still there; it builds the first
# <package>-* directory, so that one's licence is taken).
foreach(_lib IN LISTS _rvjit_private_libs)
  file(GLOB _srcs LIST_DIRECTORIES true "${RVJIT_THIRD_PARTY_PREFIX}/../src/${_lib}-*")
  list(FILTER _srcs EXCLUDE REGEX "\\.(dsc|tar\\..*)$")
  list(SORT _srcs)
  if(_srcs)
    list(GET _srcs 0 _src)
    file(GLOB _licenses "${_src}/LICENSE*" "${_src}/COPYING*")
    foreach(_f IN LISTS _licenses)
      get_filename_component(_fname "${_f}" NAME)
      install(FILES "${_f}" DESTINATION ${CMAKE_INSTALL_DOCDIR}/third-party
              RENAME ${_lib}-${_fname})
    endforeach()
  endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/packaging.md)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/packaging.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

# CMake package.
install(EXPORT rvjitTargets NAMESPACE rvjit:: DESTINATION ${RVJIT_INSTALL_CMAKEDIR}
        FILE rvjitTargets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rvjitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/rvjitConfig.cmake
  INSTALL_DESTINATION ${RVJIT_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/rvjitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/rvjitConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/rvjitConfigVersion.cmake
        DESTINATION ${RVJIT_INSTALL_CMAKEDIR})

# pkg-config. The prefix is only known at install time (`cmake --install --prefix` may
# differ from CMAKE_INSTALL_PREFIX), so rvjit.pc is configured then, with the real prefix.
set(RVJIT_PC_LIBS "${_rvjit_pc_libs}")
set(RVJIT_PC_PREFIX "@RVJIT_PC_PREFIX@")  # kept as a placeholder for install time
configure_file(${PROJECT_SOURCE_DIR}/cmake/rvjit.pc.in ${PROJECT_BINARY_DIR}/cmake/rvjit.pc.in2 @ONLY)
install(CODE "
  set(_pc_in \"${PROJECT_BINARY_DIR}/cmake/rvjit.pc.in2\")
  set(_pc_out \"${PROJECT_BINARY_DIR}/cmake/pc-install/rvjit.pc\")
  file(READ \"\${_pc_in}\" _pc)
  string(REPLACE \"@RVJIT_PC_PREFIX@\" \"\${CMAKE_INSTALL_PREFIX}\" _pc \"\${_pc}\")
  file(WRITE \"\${_pc_out}\" \"\${_pc}\")
")
install(FILES ${PROJECT_BINARY_DIR}/cmake/pc-install/rvjit.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
