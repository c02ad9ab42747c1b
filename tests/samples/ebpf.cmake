# The eBPF VM sample: parser/assembler/verifier unit tests, and the .data programs
# (tests/samples/ebpf and samples/programs) run through every available engine.
if(TARGET rvjit_ebpf)
  rvjit_add_test(ebpf_assembler_test ebpf_assembler_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_engine_test ebpf_engine_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_robustness_test ebpf_robustness_test.cpp LIBS rvjit_ebpf)
  rvjit_add_test(ebpf_programs_test ebpf_programs_test.cpp LIBS rvjit_ebpf)
  target_compile_definitions(ebpf_programs_test PRIVATE
    EBPF_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ebpf"
    EBPF_SAMPLE_DIR="${PROJECT_SOURCE_DIR}/samples/programs"
    EBPF_CONFORMANCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ebpf-conformance")
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
  # --helpers conformance: the suite's set, with helper 5 (unwind) ending the program.
  set(_conf ${CMAKE_CURRENT_SOURCE_DIR}/ebpf-conformance)
  add_test(NAME ebpf_run_cli_conformance_helpers COMMAND ebpf-run --helpers conformance
    ${_conf}/callx-unwind-helper.data)
  set_tests_properties(ebpf_run_cli_conformance_helpers PROPERTIES
    PASS_REGULAR_EXPRESSION "^PASS: .*r0 = 0x2")
  # Without the option helper 5 is unknown: the file fails, naming the rule.
  add_test(NAME ebpf_run_cli_default_helpers COMMAND ebpf-run ${_conf}/callx-unwind-helper.data)
  set_tests_properties(ebpf_run_cli_default_helpers PROPERTIES
    PASS_REGULAR_EXPRESSION "^FAIL: .*unknown helper 5 \\(callx at pc 2\\)")
  add_test(NAME ebpf_run_cli_unknown_helper_set COMMAND ebpf-run --helpers bogus
    ${_conf}/callx-unwind-helper.data)
  set_tests_properties(ebpf_run_cli_unknown_helper_set PROPERTIES
    PASS_REGULAR_EXPRESSION "unknown helper set 'bogus' \\(available: test, conformance\\)")
  set_tests_properties(ebpf_run_cli_pass ebpf_run_cli_pass_report ebpf_run_cli_fail
    ebpf_run_cli_fail_report ebpf_run_cli_conformance_helpers ebpf_run_cli_default_helpers
    ebpf_run_cli_unknown_helper_set PROPERTIES LABELS "${RVJIT_ARCH}")
endif()
