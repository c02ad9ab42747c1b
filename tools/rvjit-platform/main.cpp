// rvjit-platform: what the runtime found on this machine and what it chose.
//   rvjit-platform            the report
//   RVJIT_WX_POLICY=dual_map rvjit-platform   shows whether a forced policy is accepted
// Exit status: 0, or 1 when the requested W^X policy was refused.
#include <cstdio>

#include "rvjit/runtime/platform.h"

int main() {
  const rvjit::PlatformReport r = rvjit::platform_report();
  std::fputs(rvjit::platform_report_text(r).c_str(), stdout);
  return r.policy_ok ? 0 : 1;
}
