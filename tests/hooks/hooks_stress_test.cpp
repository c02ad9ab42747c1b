// Hot-swap stress (issue: hooks, item 5) under qemu-riscv64: 4 workers call 1,000 hooked
// functions while a controller performs RVJIT_STRESS_OPS (default 10,000) operations.
// One ctest entry per layout x sync strategy (see hooks_stress.cmake).
#include <gtest/gtest.h>

#include <cstdlib>

#include "stress/hooks_stress.h"

namespace {

using namespace rvjit;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

struct Param {
  SiteLayout layout;
  SyncStrategy sync;
};

class HooksStress : public ::testing::TestWithParam<Param> {};

TEST_P(HooksStress, ExactAccountingNoPoisonedEntryNoCrash) {
  stress::StressConfig cfg;
  cfg.layout = GetParam().layout;
  cfg.sync = GetParam().sync;
  cfg.operations = env_int("RVJIT_STRESS_OPS", 10000);
  cfg.functions = env_int("RVJIT_STRESS_FUNCTIONS", 1000);
  cfg.workers = env_int("RVJIT_STRESS_WORKERS", 4);
  stress::StressReport r = stress::run_hooks_stress(cfg);
  std::printf("stress %s/%s: %s\n", site_layout_name(cfg.layout), sync_strategy_name(cfg.sync),
              r.summary().c_str());
  for (const std::string& problem : stress::report_problems(cfg, r)) ADD_FAILURE() << problem;
  EXPECT_TRUE(r.error.ok()) << r.error.to_string();
}

INSTANTIATE_TEST_SUITE_P(
    LayoutsAndStrategies, HooksStress,
    ::testing::Values(Param{SiteLayout::kOneWord, SyncStrategy::kStopTheWorld},
                      Param{SiteLayout::kOneWord, SyncStrategy::kMembarrier},
                      Param{SiteLayout::kOneWord, SyncStrategy::kFlushSyscall},
                      Param{SiteLayout::kOneWord, SyncStrategy::kAuto},
                      Param{SiteLayout::kTwoWord, SyncStrategy::kStopTheWorld},
                      Param{SiteLayout::kTwoWord, SyncStrategy::kMembarrier},
                      Param{SiteLayout::kTwoWord, SyncStrategy::kFlushSyscall},
                      Param{SiteLayout::kTwoWord, SyncStrategy::kAuto}),
    [](const auto& info) {
      return std::string(site_layout_name(info.param.layout)) + "_" +
             sync_strategy_name(info.param.sync);
    });

}  // namespace
