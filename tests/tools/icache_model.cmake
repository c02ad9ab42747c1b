# rvjit-icache-check's fetch model (tools/icache-check/model.cpp): its rules and the
# fetch/sync interleavings the plugin meets, without QEMU. Host only: the plugin is a host
# library whatever the preset's target.
if(NOT RVJIT_RV64)
  rvjit_add_test(icache_model_test icache_model_test.cpp
                 ${PROJECT_SOURCE_DIR}/tools/icache-check/model.cpp LABELS icache)
  rvjit_warnings(icache_model_test)
endif()
