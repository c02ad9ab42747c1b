// Engine registry and the checks every engine shares.
#include "ebpf/engine.h"

#include "ebpf/interpreter.h"
#if RVJIT_EBPF_JIT
#include "ebpf/jit.h"
#endif

namespace rvjit::ebpf {

std::vector<std::string> available_engines() {
#if RVJIT_EBPF_JIT
  return {"interpreter", "jit"};  // the RV64 JIT exists in RV64 builds only
#else
  return {"interpreter"};
#endif
}

Result<std::unique_ptr<Engine>> make_engine(std::string_view name) {
  if (name == "interpreter") return std::unique_ptr<Engine>(new Interpreter());
#if RVJIT_EBPF_JIT
  if (name == "jit") return std::unique_ptr<Engine>(new JitEngine());
#endif
  std::string list;
  for (const auto& e : available_engines()) list += (list.empty() ? "" : ", ") + e;
  return Error(ErrorCode::kNotFound, "unknown engine '" + std::string(name) + "' (available: " + list + ")");
}

Error check_helpers(const Program& program, const HelperRegistry& helpers) {
  for (int32_t id : program.helpers_used()) {
    if (helpers.find(id) == nullptr) {
      return Error(ErrorCode::kNotFound, "unknown helper " + std::to_string(id));
    }
  }
  return ok();
}

Error callx_unknown_helper(uint64_t register_value, uint32_t pc) {
  return Error(ErrorCode::kNotFound, "unknown helper " +
                                         std::to_string(static_cast<int64_t>(register_value)) +
                                         " (callx at pc " + std::to_string(pc) + ")");
}

}  // namespace rvjit::ebpf
