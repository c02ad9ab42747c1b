// The reference engine: a switch-dispatch interpreter over the verified Program. It is
// the oracle the RV64 JIT will be compared against, so it favours clarity over speed.
#pragma once

#include "ebpf/engine.h"

namespace rvjit::ebpf {

class Interpreter final : public Engine {
 public:
  std::string_view name() const override { return "interpreter"; }
  Result<std::unique_ptr<Executable>> load(const Program& program,
                                           const HelperRegistry& helpers) override;
};

}  // namespace rvjit::ebpf
