# Seeded bugs: PROGRAM bug must be reported with the named rule, PROGRAM twin must be clean.
set(_seeded_cases
  "no_fence_i:fresh"
  "flush_local:stale-after-sync"
  "dual_map:fresh"
  "trampoline_link:fresh")
foreach(_case IN LISTS _seeded_cases)
  string(REPLACE ":" ";" _parts "${_case}")
  list(GET _parts 0 _name)
  list(GET _parts 1 _rule)
  add_executable(icache_seeded_${_name} ${CMAKE_CURRENT_LIST_DIR}/seeded_${_name}.cpp)
  target_link_libraries(icache_seeded_${_name} PRIVATE Threads::Threads)
  rvjit_warnings(icache_seeded_${_name})
  add_dependencies(icache_seeded_${_name} rvjit_icache_check)
  foreach(_variant bug twin)
    set(_expect clean)
    if(_variant STREQUAL bug)
      set(_expect ${_rule})
    endif()
    add_test(NAME icache_seeded_${_name}_${_variant}
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/expect_hazards.sh ${_expect}
                     ${RVJIT_ICACHE_WRAPPER} $<TARGET_FILE:icache_seeded_${_name}> ${_variant})
    set_tests_properties(icache_seeded_${_name}_${_variant} PROPERTIES
      LABELS "rv64;icache" TIMEOUT 300)
  endforeach()
endforeach()
