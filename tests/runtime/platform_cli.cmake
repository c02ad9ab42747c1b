# The rvjit-platform CLI (tools/platform.cmake) runs and names the W^X policy it chose:
# either is fine here, which one depends on the platform (platform-facts §3).
if(RVJIT_RV64 AND TARGET rvjit-platform)
  add_test(NAME tools_rvjit_platform COMMAND rvjit-platform)
  set_tests_properties(tools_rvjit_platform PROPERTIES LABELS "rv64" TIMEOUT 120
    PASS_REGULAR_EXPRESSION "policy +(flip|dual_map) \\((chosen by the start-up probe|forced by RVJIT_WX_POLICY)\\)")
endif()
