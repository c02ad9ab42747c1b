# docs/getting-started.md is checked two ways:
#   docs_getting_started_snippets (both presets): every C/C++ code block of the page is, byte
#     for byte, a marked region of getting_started.cpp / getting_started_c.c
#     (check_snippets.py), so the page cannot drift from the program;
#   docs_getting_started (rv64, qemu-riscv64): that program runs and checks every value
#     the page promises (exit status; a MISMATCH line fails it too), and its output must
#     equal the page's "What the program prints" block (check_output.py).
find_program(RVJIT_DOCS_PYTHON3 python3)
if(NOT RVJIT_DOCS_PYTHON3)
  set(RVJIT_DOCS_PYTHON3 python3)  # the test then fails loudly: install python3
endif()
add_test(NAME docs_getting_started_snippets
  COMMAND ${RVJIT_DOCS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_snippets.py
    ${PROJECT_SOURCE_DIR}/docs/getting-started.md --root ${PROJECT_SOURCE_DIR})
set_tests_properties(docs_getting_started_snippets PROPERTIES
  TIMEOUT 60 LABELS "${RVJIT_ARCH};docs")

if(RVJIT_RV64 AND TARGET rvjit_hooks)
  add_executable(docs_getting_started getting_started.cpp getting_started_c.c)
  target_link_libraries(docs_getting_started PRIVATE rvjit_hooks rvjit_runtime rvjit_jit)
  rvjit_warnings(docs_getting_started)
  add_test(NAME docs_getting_started
    COMMAND ${RVJIT_DOCS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_output.py
      ${PROJECT_SOURCE_DIR}/docs/getting-started.md docs_getting_started --
      ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:docs_getting_started>)
  set_tests_properties(docs_getting_started PROPERTIES
    TIMEOUT 300 LABELS "${RVJIT_ARCH};docs"
    FAIL_REGULAR_EXPRESSION "MISMATCH;getting-started: FAILED")
endif()
