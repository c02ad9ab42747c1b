# The eBPF VM sample: parser/assembler/verifier unit tests, and the .data programs
# (tests/samples/ebpf and samples/programs) run through every available engine.
if(TARGET rvjit_ebpf)
  rvjit_add_test(ebpf_assembler_test ebpf_assembler_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_engine_test ebpf_engine_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_robustness_test ebpf_robustness_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_programs_test ebpf_programs_test.cpp LIBS rvjit_ebpf)
  target_compile_definitions(ebpf_programs_test PRIVATE
    EBPF_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ebpf"
    EBPF_SAMPLE_DIR="${PROJECT_SOURCE_DIR}/samples/programs")
  # The CLI's contract: exit status 0 on PASS and nonzero on FAIL (checked by the plain and
  # WILL_FAIL tests), and the PASS/FAIL line (checked by the *_report tests; a regex test
  # ignores the exit status, a WILL_FAIL one would also accept a crash, hence both).
  set(_fib ${PROJECT_SOURCE_DIR}/samples/programs/fib.data)
  set(_wrong ${CMAKE_CURRENT_SOURCE_DIR}/ebpf-cli/wrong-result.data)
  add_test(NAME ebpf_run_cli_pass COMMAND ebpf-run ${_fib})
  add_test(NAME ebpf_run_cli_pass_report COMMAND ebpf-run ${_fib})
  add_test(NAME ebpf_run_cli_fail COMMAND ebpf-run ${_wrong})
  add_test(NAME ebpf_run_cli_fail_report COMMAND ebpf-run ${_wrong})
  set_tests_properties(ebpf_run_cli_pass_report PROPERTIES PASS_REGULAR_EXPRESSION "^PASS: .*r0 = 0x262")
  set_tests_properties(ebpf_run_cli_fail PROPERTIES WILL_FAIL TRUE)
  set_tests_properties(ebpf_run_cli_fail_report PROPERTIES
    PASS_REGULAR_EXPRESSION "^FAIL: .*expected r0 = 0x2a, got r0 = 0x29")
  set_tests_properties(ebpf_run_cli_pass ebpf_run_cli_pass_report ebpf_run_cli_fail
    ebpf_run_cli_fail_report PROPERTIES LABELS "${RVJIT_ARCH}")
endif()
