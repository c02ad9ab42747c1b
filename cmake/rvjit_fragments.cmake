# Include every *.cmake fragment of the current folder, in name order: each module's
# tests are declared in a fragment of their own (encoder.cmake, assembler.cmake, ...).
file(GLOB _rvjit_fragments CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cmake)
list(SORT _rvjit_fragments)
foreach(_f IN LISTS _rvjit_fragments)
  include(${_f})
endforeach()
rvjit_scale_test_timeouts()
