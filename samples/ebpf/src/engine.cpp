// Engine registry and the checks every engine shares.
#include "ebpf/engine.h"

#include "ebpf/interpreter.h"

namespace rvjit::ebpf {

std::vector<std::string> available_engines() {
  // The RV64 JIT engine is added here once it exists (RV64 builds only).
  return {"interpreter"};
}

Result<std::unique_ptr<Engine>> make_engine(std::string_view name) {
  if (name == "interpreter") return std::unique_ptr<Engine>(new Interpreter());
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

}  // namespace rvjit::ebpf
