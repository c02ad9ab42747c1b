// The RV64 JIT engine: compiles a verified Program with rvjit's Assembler and installs
// every eBPF function (main and each BPF-to-BPF subprogram) as a separately named,
// hookable rvjit function. RV64 builds only (RVJIT_EBPF_JIT is defined where it exists).
//
//   JitEngine engine({.layout = SiteLayout::kOneWord, .sync = SyncStrategy::kAuto});
//   auto exe = engine.load_jit(program, helpers).value();
//   exe->hooks().register_ops(ops, HookFilter::glob("fib"));   // trace eBPF frames
//   exe->run(mem);
//
// Ownership: each JitExecutable owns one CodeCache and one HookManager (so function
// names only need to be unique inside one program, and unloading an executable releases
// its code). Functions are installed under their eBPF names ("main", "fib", "func_<pc>";
// a duplicate gets "#<k>" appended; JitOptions::name_prefix goes in front), plus one
// unhooked entry thunk "<prefix>ebpf_jit_enter".
//
// Semantics are the interpreter's exactly (ebpf/engine.h), including the error values
// (kind, message, pc); only the addresses inside "at 0x..." of stack accesses differ,
// because each engine allocates its own stack. See src/jit_compiler.cpp for the code
// shape (register map, budget counting, bounds checks, calls).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ebpf/engine.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/code_cache.h"

namespace rvjit::ebpf {

struct JitOptions {
  // Hook site layout emitted at every function entry (the profiler chooses it).
  SiteLayout layout = SiteLayout::kOneWord;
  // How the HookManager makes patched sites visible.
  SyncStrategy sync = SyncStrategy::kAuto;
  // The per-executable code cache (W^X policy, region size).
  CodeCacheOptions cache;
  // Prepended to every installed function name, e.g. "sort:" gives "sort:main" (for a
  // profiler that loads several programs); empty: the bare eBPF names.
  std::string name_prefix;
};

// One installed eBPF function.
struct JitFunction {
  std::string name;   // as installed in the HookManager / CodeCache
  uint32_t start = 0; // first eBPF slot
  uintptr_t entry = 0;  // the hook site: the address callers jump to
  size_t code_size = 0;
  int int_args = -1;        // the signature declared to the hooks (its live r1..r5)
  bool fast_entry = false;  // the hooks gave its site a fast entry (HookedFunction)
};

class JitExecutable final : public Executable {
 public:
  ~JitExecutable() override;
  // Registers the calling thread (rvjit::ThreadRegistration, hooks may patch the code
  // while it runs), then runs. Thread-safe: each run has its own stack and context.
  Result<uint64_t> run(std::span<uint8_t> mem, const RunOptions& options = {}) override;

  HookManager& hooks() { return *hooks_; }
  CodeCache& cache() { return *cache_; }
  // In Program::functions() order.
  const std::vector<JitFunction>& functions() const { return functions_; }

  struct Parts;  // built by JitEngine::load_jit
  explicit JitExecutable(Parts&& parts);

 private:
  std::unique_ptr<CodeCache> cache_;
  std::unique_ptr<HookManager> hooks_;  // declared after cache_: destroyed first
  std::unique_ptr<uint64_t[]> entry_table_;  // entry of function k; read by the JIT'd calls
  std::vector<JitFunction> functions_;
  uintptr_t enter_ = 0;  // the thunk: void enter(JitContext*)
  bool helpers_may_write_ = true;  // RunStack::helpers_may_write(program)
};

class JitEngine final : public Engine {
 public:
  explicit JitEngine(JitOptions options = {}) : options_(std::move(options)) {}
  std::string_view name() const override { return "jit"; }
  Result<std::unique_ptr<Executable>> load(const Program& program,
                                           const HelperRegistry& helpers) override;
  // The same, typed: for callers that want hooks() and functions().
  Result<std::unique_ptr<JitExecutable>> load_jit(const Program& program,
                                                  const HelperRegistry& helpers);

 private:
  JitOptions options_;
};

}  // namespace rvjit::ebpf
