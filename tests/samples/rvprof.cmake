# rvprof: the core library on synthetic events (rvprof_core_test), the files it writes
# validated by python (rvprof_synth_files: XML, JSON, counts), and end to end on the
# sample programs through the RV64 JIT with hooks (rvprof_e2e_*).
if(TARGET rvprof_core)
  set(_rvprof_synth ${CMAKE_CURRENT_BINARY_DIR}/rvprof-synth)
  rvjit_add_test(rvprof_core_test rvprof_core_test.cpp LIBS rvprof_core)
  target_compile_definitions(rvprof_core_test PRIVATE RVPROF_TEST_OUT="${_rvprof_synth}")
  set_tests_properties(rvprof_core_test PROPERTIES FIXTURES_SETUP rvprof_synth)

  find_program(RVPROF_PYTHON3 python3)
  if(NOT RVPROF_PYTHON3)
    set(RVPROF_PYTHON3 python3)  # the tests then fail loudly: install python3
  endif()
  set(_check ${CMAKE_CURRENT_SOURCE_DIR}/rvprof_check.py)
  add_test(NAME rvprof_synth_files COMMAND ${RVPROF_PYTHON3} ${_check} --dir ${_rvprof_synth}
    --functions main,fib,leaf --expect fib=3 --expect main=1)
  set_tests_properties(rvprof_synth_files PROPERTIES FIXTURES_REQUIRED rvprof_synth
    LABELS "${RVJIT_ARCH}")
  # The interactive flame graph in a real headless Chromium (Debian package chromium,
  # installed by scripts/setup.sh): a click zooms, Reset Zoom restores, a search highlights
  # and shows the matched share (checked against the folded stacks), hover shows details.
  # Host only: the SVG comes from the same writer code, and one browser run is enough.
  if(NOT RVJIT_RV64)
    add_test(NAME rvprof_flamegraph_browser COMMAND ${RVPROF_PYTHON3}
      ${CMAKE_CURRENT_SOURCE_DIR}/flamegraph_browser_test.py
      ${_rvprof_synth}/flamegraph.svg ${_rvprof_synth}/profile.folded)
    set_tests_properties(rvprof_flamegraph_browser PROPERTIES FIXTURES_REQUIRED rvprof_synth
      LABELS "${RVJIT_ARCH}" TIMEOUT 180 FAIL_REGULAR_EXPRESSION "FAIL")
  endif()

  if(TARGET rvprof)
    set(_programs ${PROJECT_SOURCE_DIR}/samples/programs)
    set(_run ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:rvprof>)
    # fib(15) recursively: 2*F(16) - 1 = 1973 calls of fib, one of main.
    add_test(NAME rvprof_e2e_fib COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-fib --expect fib=1973 --expect main=1
      -- ${_run} --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-fib ${_programs}/fib.data)
    # sort: main -> sort -> swap_down, main -> is_sorted; two_word sites, stop_the_world.
    add_test(NAME rvprof_e2e_sort_two_word COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-sort --functions main,sort,swap_down,is_sorted
      --expect main=1 --expect sort=1 --expect is_sorted=1
      -- ${_run} --layout two_word --sync stop_the_world
         --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-sort ${_programs}/sort.data)
    # interp: main -> alu. The bytecode (interp.data's mem) loops 10 times over MOV, MUL,
    # ADD, DEC - the four ops dispatched to alu - so 40 alu calls per run; --repeat 3
    # must multiply exactly (hooks stay on across runs).
    add_test(NAME rvprof_e2e_interp_repeat COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-interp --expect main=3 --expect alu=120
      -- ${_run} --repeat 3 --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-interp
         ${_programs}/interp.data)
    # Three threads run fib twice each (6 x 1973 fib calls): per-thread shadow stacks, one
    # trace lane each.
    add_test(NAME rvprof_e2e_threads COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-threads --expect main=6 --expect fib=11838
      --tids 3
      -- ${_run} --threads 3 --repeat 2 --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-threads
         ${_programs}/fib.data)
    # --engine interpreter: no JIT'd functions, so no hooks; it must say so and succeed.
    add_test(NAME rvprof_interpreter_says_no_hooks COMMAND ${_run} --engine interpreter
      ${_programs}/fib.data)
    set_tests_properties(rvprof_interpreter_says_no_hooks PROPERTIES
      PASS_REGULAR_EXPRESSION "no hook sites, no hooks, no profile written" LABELS "${RVJIT_ARCH}")
    # Hot attach/detach and bursts while the program runs repeatedly: sampled report. The
    # estimate of fib's calls (scaled by the observed work fraction, corrected for the
    # hooks' slowdown) must be within 35% of the truth: 1973 per run times the runs.
    add_test(NAME rvprof_e2e_burst COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-burst --sampled --functions main,fib
      --estimate fib=1973:0.35
      -- ${_run} --burst 40:40 --duration 800 --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-burst
         ${_programs}/fib.data)
    add_test(NAME rvprof_e2e_attach_detach COMMAND ${RVPROF_PYTHON3} ${_check}
      --dir ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-attach --sampled --functions main,fib
      -- ${_run} --attach-ms 50 --detach-ms 250 --duration 400
         --out ${CMAKE_CURRENT_BINARY_DIR}/rvprof-e2e-attach ${_programs}/fib.data)
    set_tests_properties(rvprof_e2e_fib rvprof_e2e_sort_two_word rvprof_e2e_interp_repeat
      rvprof_e2e_threads rvprof_e2e_burst rvprof_e2e_attach_detach PROPERTIES LABELS "${RVJIT_ARCH}" TIMEOUT 900)
  endif()
endif()
