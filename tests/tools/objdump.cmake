# rvjit-objdump: a jitdump written by JitdumpWriter is listed with the expected names,
# instructions, targets and hook sites; bad files give errors (in-process and through the
# binary's exit status). Host only, like the tool.
if(NOT RVJIT_RV64)
  rvjit_add_test(objdump_listing_test objdump_listing_test.cpp LIBS rvjit_objdump_core)
  add_dependencies(objdump_listing_test rvjit-objdump)
  target_compile_definitions(objdump_listing_test PRIVATE
    RVJIT_OBJDUMP_BIN="$<TARGET_FILE:rvjit-objdump>")
endif()
