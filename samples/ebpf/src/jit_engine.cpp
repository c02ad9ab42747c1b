// The JIT engine: compile every function, install each through the executable's own
// HookManager (one hook site per eBPF function), fill the entry table the calls read,
// and run through the entry thunk. Run-time failures come back as JitContext::status and
// become the same rvjit::Error values the interpreter returns.
#include "ebpf/jit.h"

#include <cstdio>
#include <limits>
#include <set>

#include "ebpf/jit_compiler.h"
#include "run_stack.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/thread_registry.h"

namespace rvjit::ebpf {

struct JitExecutable::Parts {
  std::unique_ptr<CodeCache> cache;
  std::unique_ptr<HookManager> hooks;
  std::unique_ptr<uint64_t[]> entry_table;
  std::vector<JitFunction> functions;
  uintptr_t enter = 0;
  bool helpers_may_write = true;
};

JitExecutable::JitExecutable(Parts&& parts)
    : cache_(std::move(parts.cache)),
      hooks_(std::move(parts.hooks)),
      entry_table_(std::move(parts.entry_table)),
      functions_(std::move(parts.functions)),
      enter_(parts.enter),
      helpers_may_write_(parts.helpers_may_write) {}

JitExecutable::~JitExecutable() = default;

namespace {

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The interpreter's messages (ebpf/engine.h), from the status the JIT'd code left.
Error fault_error(const jit::JitContext& ctx, uint64_t budget) {
  const uint64_t kind = ctx.status & 0xff;
  const std::string size = std::to_string((ctx.status >> 8) & 0xff);
  const std::string at = " (pc " + std::to_string(ctx.fault_pc) + ")";
  const char* what = kind == jit::kFaultLoad ? "load" : kind == jit::kFaultStore ? "store" : "atomic";
  switch (kind) {
    case jit::kFaultLoad:
    case jit::kFaultStore:
    case jit::kFaultAtomic:
      return Error(ErrorCode::kForeignAddress, std::string("out-of-bounds ") + what + " of " + size +
                   " bytes at " + hex64(ctx.fault_addr) + at);
    case jit::kFaultMisaligned:
      return Error(ErrorCode::kMisalignedAddress,
                   "misaligned atomic of " + size + " bytes at " + hex64(ctx.fault_addr) + at);
    case jit::kFaultCallDepth: return Error(ErrorCode::kBufferFull, "call depth exceeded" + at);
    case jit::kFaultBudget:
      return Error(ErrorCode::kBusy, "instruction budget of " + std::to_string(budget) + " exhausted" + at);
    case jit::kFaultUnknownHelper:
      return callx_unknown_helper(ctx.fault_addr, static_cast<uint32_t>(ctx.fault_pc));
    default: return Error(ErrorCode::kInvalidArgument, "JIT'd code returned status " + hex64(ctx.status));
  }
}

// Unique installed names: the eBPF names, "#k" appended to a repeated one.
std::vector<std::string> install_names(const Program& program, const std::string& prefix) {
  std::vector<std::string> names;
  std::set<std::string> seen{prefix + "ebpf_jit_enter"};
  for (const Function& f : program.functions()) {
    const std::string base = prefix + (f.name.empty() ? "func_" + std::to_string(f.start) : f.name);
    std::string n = base;
    for (int k = 2; seen.count(n); ++k) n = base + "#" + std::to_string(k);
    seen.insert(n);
    names.push_back(n);
  }
  return names;
}

// What the hooks may assume of function k at entry (docs/hooks.md, "The fast path"):
// r1..r5 live in a0..a4, so its integer arguments are a0 up to the highest argument
// register it may read (call_liveness is conservative: never fewer than it reads), and
// a0..a5 when it reads the caller's r0 (a5) first; no FP argument. Nothing else
// caller-saved is live at an eBPF function's entry (r6..r10 and the run's fixed
// registers are s registers). A declared signature lets a single cheap hook skip the
// full register save; one that missed a live register would corrupt it
// (ebpf_jit_random_test, DeclaredSignaturesHoldUnderAClobberingEntryHook).
HookSignature signature_of(const jit::CallLiveness& liveness, size_t k) {
  if (liveness.entry_reads_r0[k]) return HookSignature::of(6, 0);
  int ints = 0;
  for (int r = 1; r <= 5; ++r)
    if (liveness.entry_live[k] & (1u << r)) ints = r;
  return HookSignature::of(ints, 0);
}

}  // namespace

namespace jit {

uint64_t callx_dispatch(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                        uint64_t helper_number, const HelperRegistry* helpers, JitContext* ctx) {
  const Helper* h = helpers->find_by_register(helper_number);
  if (h == nullptr) {
    ctx->status = kFaultUnknownHelper;
    ctx->fault_addr = helper_number;
    return 0;
  }
  const uint64_t r0 = h->fn(r1, r2, r3, r4, r5, h->context);
  if (h->exit == HelperExit::kEndsProgramOnZero && r0 == 0) ctx->status = kUnwound;
  return r0;
}

}  // namespace jit

Result<uint64_t> JitExecutable::run(std::span<uint8_t> mem, const RunOptions& options) {
  ThreadRegistration registration("ebpf-jit");
  if (!registration.ok()) return registration.error();
  // The code may have been installed by another thread: see code_cache.h's recipe (the
  // caller handed us this executable with a release/acquire pair; fence.i is ours).
  local_fence_i();

  RunStack stack;  // zeroed, as the interpreter's
  jit::JitContext ctx;
  ctx.stack_base = reinterpret_cast<uint64_t>(stack.data());
  ctx.stack_top = stack.top();
  if (!mem.empty()) {
    ctx.mem_lo = reinterpret_cast<uint64_t>(mem.data());
    ctx.mem_hi = ctx.mem_lo + mem.size();
  }
  // The JIT counts down in a signed register; more than 2^63 instructions never finish.
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  ctx.budget = static_cast<int64_t>(options.instruction_budget < kMax ? options.instruction_budget : kMax);
  ctx.entry = entry_table_[0];
  ctx.lowest_r10 = ctx.stack_top;
  ProgramMemoryScope published({ctx.mem_lo, ctx.mem_hi, ctx.stack_base, ctx.stack_top});
  reinterpret_cast<void (*)(jit::JitContext*)>(enter_)(&ctx);
  if (!helpers_may_write_) stack.done(ctx.lowest_r10);
  if (ctx.status == jit::kUnwound) return uint64_t{0};
  if (ctx.status != jit::kFaultNone) return fault_error(ctx, options.instruction_budget);
  return ctx.result;
}

Result<std::unique_ptr<JitExecutable>> JitEngine::load_jit(const Program& program,
                                                           const HelperRegistry& helpers) {
  if (Error e = check_helpers(program, helpers)) return e;
  JitExecutable::Parts parts;
  // [ebpf-jit-cache-hooks]
  auto cache = CodeCache::create(options_.cache);
  if (!cache.ok()) return cache.error();
  parts.cache = std::move(cache.value());
  HookManagerOptions hm_options;
  hm_options.sync = options_.sync;
  auto hooks = HookManager::create(*parts.cache, hm_options);
  if (!hooks.ok()) return hooks.error();
  parts.hooks = std::move(hooks.value());
  // [ebpf-jit-cache-hooks-end]

  // [ebpf-jit-install]
  const std::vector<Function>& fns = program.functions();
  parts.entry_table = std::make_unique<uint64_t[]>(fns.size());
  const std::vector<std::string> names = install_names(program, options_.name_prefix);
  const jit::CallLiveness liveness = jit::call_liveness(program);
  jit::CallTargets targets{parts.entry_table.get(), parts.entry_table.get(), &liveness};
  parts.functions.resize(fns.size());
  // Last function first: callees usually follow their callers, so most calls find their
  // callee installed and become direct (jit_compiler.h).
  for (size_t k = fns.size(); k-- > 0;) {
    auto code = jit::compile_function(program, k, helpers, targets, options_.layout);
    if (!code.ok()) return code.error();
    const HookSignature sig = signature_of(liveness, k);
    auto fn = parts.hooks->install(*code, names[k], sig);
    if (!fn.ok() && fn.error().code() == ErrorCode::kBranchOutOfRange) {
      // A callee beyond auipc+jalr reach (another code region): calls through the table.
      jit::CallTargets table_only{parts.entry_table.get(), nullptr, &liveness};
      code = jit::compile_function(program, k, helpers, table_only, options_.layout);
      if (!code.ok()) return code.error();
      fn = parts.hooks->install(*code, names[k], sig);
    }
    if (!fn.ok()) return fn.error();
    parts.entry_table[k] = fn->entry;
    parts.functions[k] =
        JitFunction{names[k], fns[k].start, fn->entry, fn->code.size, sig.int_args, fn->fast_entry};
  }
  auto thunk = jit::compile_enter_thunk();
  if (!thunk.ok()) return thunk.error();
  auto enter = parts.cache->install(*thunk, options_.name_prefix + "ebpf_jit_enter");
  if (!enter.ok()) return enter.error();
  parts.enter = enter->entry;
  // [ebpf-jit-install-end]
  parts.helpers_may_write = RunStack::helpers_may_write(program);
  return std::make_unique<JitExecutable>(std::move(parts));
}

Result<std::unique_ptr<Executable>> JitEngine::load(const Program& program, const HelperRegistry& helpers) {
  auto exe = load_jit(program, helpers);
  if (!exe.ok()) return exe.error();
  return std::unique_ptr<Executable>(std::move(exe.value()));
}

}  // namespace rvjit::ebpf
