// The eBPF JIT engine (RV64): the interpreter is the oracle.
//   * every .data program: same r0 or the same error (code, message and pc; only the
//     address after "at" may differ, each engine has its own stack), same final mem;
//   * instruction budgets swept one by one up to the exact count a program needs: the
//     budget error comes at the same pc as the interpreter's;
//   * unspecified-looking corners the interpreter still defines (r1..r5 after helper and
//     local calls) agree;
//   * hooks: every eBPF function is a separately named hookable function; an entry hook
//     counts fib's recursive calls frame by frame; exit hooks stay balanced when a run
//     fails deep in a recursion.
// On the host build only the registry check runs ("jit" is RV64-only).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ebpf/assembler.h"
#include "ebpf/engine.h"
#include "ebpf/test_file.h"
#if RVJIT_EBPF_JIT
#include "ebpf/jit.h"
#include "rvjit/runtime/thread_registry.h"
#endif

namespace {
namespace fs = std::filesystem;
using namespace rvjit::ebpf;

TEST(EbpfJitRegistry, JitIsOfferedExactlyOnRv64) {
  const auto engines = available_engines();
  const bool has_jit = std::find(engines.begin(), engines.end(), "jit") != engines.end();
  auto jit = make_engine("jit");
#if RVJIT_EBPF_JIT
  EXPECT_TRUE(has_jit);
  ASSERT_TRUE(jit.ok()) << jit.error().to_string();
  EXPECT_EQ((*jit)->name(), "jit");
#else
  EXPECT_FALSE(has_jit);
  ASSERT_FALSE(jit.ok());
  EXPECT_EQ(jit.error().code(), rvjit::ErrorCode::kNotFound);
#endif
}

#if RVJIT_EBPF_JIT

// Every .data file whose program verifies (the others never reach an engine; the
// verifier's messages are ebpf_programs_test's business).
std::vector<std::string> data_files() {
  std::vector<std::string> files;
  for (const char* dir : {EBPF_TEST_DIR, EBPF_SAMPLE_DIR, EBPF_CONFORMANCE_DIR}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() != ".data") continue;
      auto test = load_test_case(e.path().string());
      if (test.ok() && build_program(*test).ok()) files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(EbpfJitCorpus, MostProgramsReachTheEngines) { EXPECT_GE(data_files().size(), 250u); }

// The error text with the hex address after " at " replaced: stack (and mem copy)
// addresses differ between engines, everything else must not.
std::string mask_address(std::string s) {
  const size_t at = s.find(" at 0x");
  if (at == std::string::npos) return s;
  size_t end = at + 6;
  while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end]))) ++end;
  return s.substr(0, at) + " at <addr>" + s.substr(end);
}

struct Outcome {
  std::string what;  // "r0 = N" or the masked error
  std::vector<uint8_t> mem;
  bool ok = false;
};

Outcome run(Executable& exe, const std::vector<uint8_t>& mem_in, uint64_t budget) {
  Outcome o;
  o.mem = mem_in;
  RunOptions options;
  options.instruction_budget = budget;
  auto r = exe.run(o.mem, options);
  o.ok = r.ok();
  o.what = r.ok() ? "r0 = " + std::to_string(*r) : mask_address(r.error().to_string());
  return o;
}

struct Loaded {
  std::unique_ptr<Executable> interp, jit;
};

class JitVsInterpreter : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // EBPF_CONFORMANCE_DIR's programs call the bpf_conformance suite's helper set.
    helpers_ = std::make_unique<HelperRegistry>();
    if (GetParam().rfind(EBPF_CONFORMANCE_DIR, 0) == 0) register_conformance_helpers(*helpers_);
    else register_test_helpers(*helpers_);
  }
  std::unique_ptr<HelperRegistry> helpers_;
};

TEST_P(JitVsInterpreter, SameOutcomeAtEveryBudget) {
  auto test = load_test_case(GetParam());
  ASSERT_TRUE(test.ok()) << test.error().to_string();
  auto program = build_program(*test);
  ASSERT_TRUE(program.ok()) << program.error().to_string();
  auto interp_engine = make_engine("interpreter");
  auto jit_engine = make_engine("jit");
  auto interp = (*interp_engine)->load(*program, *helpers_);
  auto jit = (*jit_engine)->load(*program, *helpers_);
  ASSERT_EQ(interp.ok(), jit.ok()) << (interp.ok() ? jit.error() : interp.error()).to_string();
  if (!interp.ok()) {
    EXPECT_EQ(interp.error().to_string(), jit.error().to_string());
    return;
  }
  auto compare = [&](uint64_t budget) {
    const Outcome a = run(**interp, test->mem, budget);
    const Outcome b = run(**jit, test->mem, budget);
    EXPECT_EQ(a.what, b.what) << GetParam() << " budget " << budget;
    EXPECT_EQ(a.mem, b.mem) << GetParam() << " budget " << budget << ": final mem differs";
    return a.ok;
  };
  // The generous budget of ebpf_programs_test, then the exact number of instructions the
  // program needs (binary search on the interpreter) and every budget below a small bound.
  const uint64_t kBig = 200'000;
  const bool completes = compare(kBig);
  uint64_t needed = kBig;
  if (completes) {
    uint64_t lo = 0, hi = kBig;  // run(hi) succeeds, run(lo - 1) ... search the least
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      Outcome o = run(**interp, test->mem, mid);
      if (o.ok) hi = mid; else lo = mid + 1;
    }
    needed = lo;
    compare(needed);
    if (needed > 0) EXPECT_FALSE(compare(needed - 1));
  }
  const uint64_t sweep = std::min<uint64_t>(needed, 160);
  for (uint64_t b = 0; b < sweep && !HasFailure(); ++b) compare(b);
}

std::string file_case_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).parent_path().filename().string() + "_" +
                     fs::path(info.param).stem().string();
  for (char& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Ebpf, JitVsInterpreter, testing::ValuesIn(data_files()), file_case_name);

rvjit::Result<Program> build(std::string_view text) {
  auto a = assemble(text);
  if (!a.ok()) return a.error();
  return Program::create(std::move(a->insns), a->labels);
}

// Runs `text` on both engines and expects the same r0 and final mem.
void expect_same(std::string_view text, std::vector<uint8_t> mem = {}) {
  auto p = build(text);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto i = (*make_engine("interpreter"))->load(*p, helpers);
  auto j = (*make_engine("jit"))->load(*p, helpers);
  ASSERT_TRUE(i.ok() && j.ok());
  const Outcome a = run(**i, mem, 100000), b = run(**j, mem, 100000);
  EXPECT_EQ(a.what, b.what) << text;
  EXPECT_EQ(a.mem, b.mem) << text;
}

TEST(EbpfJit, ArgumentRegistersSurviveHelperCalls) {
  // The interpreter leaves r1..r5 alone across `call N`; a0..a4 are caller-saved in C.
  expect_same(
      "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\n"
      "call 6\n"
      "mul %r0, 1000\nadd %r0, %r1\nlsh %r2, 8\nadd %r0, %r2\nlsh %r3, 16\nadd %r0, %r3\n"
      "lsh %r4, 24\nadd %r0, %r4\nlsh %r5, 32\nadd %r0, %r5\nexit\n");
}

TEST(EbpfJit, CallerSeesTheCalleesArgumentRegisters) {
  // After a local call the interpreter's r1..r5 are whatever the callee left in them.
  expect_same(
      "mov %r1, 7\ncall local f\n"
      "lsh %r1, 4\nadd %r0, %r1\nlsh %r2, 8\nadd %r0, %r2\nlsh %r5, 12\nadd %r0, %r5\nexit\n"
      "f:\nmov %r0, %r1\nmov %r1, 3\nmov %r2, 9\nmov %r5, 11\nexit\n");
}

TEST(EbpfJit, ArgumentRegistersFlowThroughCalleesThatKeepThem) {
  // r3 and r4 reach g through f and h, which never write them, across a helper call
  // (gather_bytes: it clobbers a2..a4 in the JIT) and two exits: the JIT carries only the
  // live ones (src/jit_liveness.cpp), so this checks that the analysis follows them.
  expect_same(
      "mov %r1, 1\nmov %r3, 5\nmov %r4, 7\ncall local f\ncall local g\nexit\n"
      "f:\ncall 1\ncall local h\nexit\n"
      "h:\nmov %r0, 0\nexit\n"
      "g:\nmov %r0, %r3\nlsh %r0, 8\nadd %r0, %r4\nexit\n");
}

TEST(EbpfJit, BudgetIsExactAroundLddwAndMemoryAccesses) {
  // Segments end at lddw (two slots) and at memory accesses; check every budget.
  auto p = build(
      "mov %r0, 0\nlddw %r2, 0x123456789\nadd %r0, 1\nstxdw [%r10-8], %r2\n"
      "lddw %r3, 1\nldxdw %r4, [%r10-8]\nadd %r0, %r4\nadd %r0, %r3\nexit\n");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  HelperRegistry helpers;
  auto i = (*make_engine("interpreter"))->load(*p, helpers);
  auto j = (*make_engine("jit"))->load(*p, helpers);
  ASSERT_TRUE(i.ok() && j.ok());
  for (uint64_t b = 0; b <= 10; ++b) {
    EXPECT_EQ(run(**i, {}, b).what, run(**j, {}, b).what) << "budget " << b;
  }
  EXPECT_EQ(run(**j, {}, 3).what, "Busy: instruction budget of 3 exhausted (pc 4)");
  EXPECT_EQ(run(**j, {}, 9).what, "r0 = " + std::to_string(0x123456789ull + 2));
}

TEST(EbpfJit, ReportsTheSameErrorsAsTheInterpreter) {
  // Load through a null pointer, atomic misalignment, stack overflow below the frame.
  expect_same("mov %r1, 0x1000\nldxb %r0, [%r1+1]\nexit\n");
  expect_same("stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -6\nmov %r2, 1\nlock add [%r1], %r2\nexit\n");
  expect_same("stdw [%r10-520], 1\nexit\n");
  expect_same("ldxw %r0, [%r1+2]\nexit\n", {1, 2, 3, 4, 5});
  expect_same("ldxw %r0, [%r1+1]\nexit\n", {1, 2, 3, 4, 5});
}

TEST(EbpfJit, LongFunctionsRelaxBranchesAndStillCountExactly) {
  // ~40 KiB of code in one loop: the backward jump, the budget checks' branches to the
  // stubs at the function's end and the bounds checks' branches all leave the +-4 KiB of
  // a conditional branch and must be relaxed by the assembler.
  std::string text = "mov %r0, 0\nmov %r1, 3\nloop:\n";
  for (int k = 0; k < 1500; ++k) {
    text += "add %r0, 1\n";
    if (k % 100 == 0) text += "stxdw [%r10-8], %r0\nldxdw %r2, [%r10-8]\nadd %r0, %r2\n";
  }
  text += "sub %r1, 1\njne %r1, 0, loop\nexit\n";
  auto p = build(text);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  HelperRegistry helpers;
  auto i = (*make_engine("interpreter"))->load(*p, helpers);
  auto j = (*make_engine("jit"))->load(*p, helpers);
  ASSERT_TRUE(i.ok() && j.ok()) << (j.ok() ? "" : j.error().to_string());
  const uint64_t needed = 2 + 3 * (1500 + 15 * 3 + 2) + 1;
  for (uint64_t b : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{700}, uint64_t{1549},
                     uint64_t{1550}, uint64_t{3000}, needed - 1, needed, needed + 1}) {
    const Outcome a = run(**i, {}, b), c = run(**j, {}, b);
    EXPECT_EQ(a.what, c.what) << "budget " << b;
  }
  EXPECT_TRUE(run(**j, {}, needed).ok);
  EXPECT_FALSE(run(**j, {}, needed - 1).ok);
}

TEST(EbpfJit, AFunctionLargerThanACodeRegionIsALoadError) {
  // One eBPF function must fit one code-cache region (1 MiB, jal reach of the hook
  // trampolines): 300,000 instructions do not, and loading says so instead of crashing.
  std::string text;
  for (int k = 0; k < 300'000; ++k) text += "add %r0, 1\n";
  text += "exit\n";
  auto p = build(text);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  HelperRegistry helpers;
  auto j = (*make_engine("jit"))->load(*p, helpers);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code(), rvjit::ErrorCode::kCodeCacheFull) << j.error().to_string();
}

// ---- hooks -------------------------------------------------------------------------

constexpr std::string_view kFib =
    "main:\nmov %r1, 15\ncall local fib\nexit\n"
    "fib:\nmov %r0, %r1\njlt %r1, 2, done\nmov %r6, %r1\nsub %r1, 1\ncall local fib\n"
    "mov %r7, %r0\nmov %r1, %r6\nsub %r1, 2\ncall local fib\nadd %r0, %r7\n"
    "done:\nexit\n";

struct Trace {
  std::mutex mu;
  std::map<std::string, int> entries, exits;
  std::vector<uint64_t> first_args;  // r1 of the first few entries
  uint64_t main_return = 0;
};

void on_entry(const rvjit_hook_ctx* ctx, void* data) {
  auto* t = static_cast<Trace*>(data);
  std::lock_guard<std::mutex> lock(t->mu);
  ++t->entries[ctx->name];
  if (t->first_args.size() < 3) t->first_args.push_back(ctx->args[0]);
}
void on_exit(const rvjit_hook_ctx* ctx, void* data) {
  auto* t = static_cast<Trace*>(data);
  std::lock_guard<std::mutex> lock(t->mu);
  ++t->exits[ctx->name];
  if (std::string_view(ctx->name) == "main") t->main_return = ctx->return_value;
}

class JitHooks : public testing::TestWithParam<rvjit::SiteLayout> {
 protected:
  std::unique_ptr<JitExecutable> load(std::string_view text) {
    auto p = build(text);
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    if (!p.ok()) return nullptr;
    program_ = std::make_unique<Program>(std::move(p.value()));
    JitOptions options;
    options.layout = GetParam();
    JitEngine engine(options);
    auto exe = engine.load_jit(*program_, helpers_);
    EXPECT_TRUE(exe.ok()) << exe.error().to_string();
    return exe.ok() ? std::move(exe.value()) : nullptr;
  }
  rvjit::HookOpsId trace(JitExecutable& exe, Trace* t, uint32_t flags) {
    rvjit_hook_ops ops{on_entry, on_exit, t, flags};
    auto id = exe.hooks().register_ops(ops, rvjit::HookFilter::all());
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    if (!id.ok()) return 0;
    EXPECT_TRUE(exe.hooks().enable(*id).ok());
    return *id;
  }
  rvjit::ThreadRegistration me_{"ebpf-jit-test"};
  HelperRegistry helpers_;
  std::unique_ptr<Program> program_;
};

// A helper that ends the program (unwind, helper 5 of the suite's set) three frames deep:
// the run ends with r0 = 0 like the interpreter's, and no frame is skipped on the way out,
// so every traced entry gets its exit and the next run is traced exactly again.
TEST_P(JitHooks, UnwindingHelperReturnsThroughEveryHookedFrame) {
  register_conformance_helpers(helpers_);
  auto exe = load(
      "main:\nmov %r0, 0x55\ncall local f\nmov %r0, 0x66\nexit\n"
      "f:\ncall local g\nmov %r0, 0x77\nexit\n"
      "g:\nmov %r1, 0\nmov %r3, 5\ncallx %r3\nmov %r0, 0x88\nexit\n");
  ASSERT_TRUE(exe);
  Trace t;
  trace(*exe, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  std::vector<uint8_t> mem;
  for (int round = 0; round < 2; ++round) {
    auto r = exe->run(mem);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, 0u);
  }
  for (const char* f : {"main", "f", "g"}) {
    EXPECT_EQ(t.entries[f], 2) << f;
    EXPECT_EQ(t.exits[f], 2) << f;
  }
}

TEST_P(JitHooks, EveryEbpfFunctionIsANamedHookSite) {
  auto exe = load(
      "main:\ncall local a\ncall local +3\nexit\n"
      "a:\nmov %r0, 1\nexit\n"
      "mov %r0, 2\nexit\n");
  ASSERT_TRUE(exe);
  std::vector<std::string> names;
  for (const JitFunction& f : exe->functions()) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"main", "a", "func_5"}));
  for (const auto& n : names) {
    auto enabled = exe->hooks().site_enabled(n);
    ASSERT_TRUE(enabled.ok()) << n << ": " << enabled.error().to_string();
    EXPECT_FALSE(*enabled) << n;
  }
  Trace t;
  const auto id = trace(*exe, &t, RVJIT_HOOK_ENTRY);
  for (const auto& n : names) EXPECT_TRUE(*exe->hooks().site_enabled(n)) << n;
  std::vector<uint8_t> mem;
  auto r = exe->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 2u);
  EXPECT_EQ(t.entries, (std::map<std::string, int>{{"main", 1}, {"a", 1}, {"func_5", 1}}));
  EXPECT_TRUE(exe->hooks().unregister(id).ok());
  for (const auto& n : names) EXPECT_FALSE(*exe->hooks().site_enabled(n)) << n;
}

// The signature each function declares to the hooks (its argument registers live at
// entry) and whether that earned its site a fast entry (<= 2 integer arguments, with
// membarrier: both hold under qemu-riscv64 and on the kernel).
TEST_P(JitHooks, FunctionsDeclareTheArgumentsTheyRead) {
  auto exe = load(
      "main:\nmov %r1, 15\ncall local fib\nmov %r6, %r0\nmov %r1, 1\nmov %r2, 2\n"
      "mov %r3, 3\ncall local three\nadd %r6, %r0\nmov %r0, %r6\ncall local keep\nexit\n"
      "fib:\nmov %r0, %r1\njlt %r1, 2, done\nmov %r6, %r1\nsub %r1, 1\ncall local fib\n"
      "mov %r7, %r0\nmov %r1, %r6\nsub %r1, 2\ncall local fib\nadd %r0, %r7\ndone:\nexit\n"
      "keep:\nexit\n"  // returns the caller's r0: r0's register is live at its entry
      "three:\nmov %r0, %r3\nadd %r0, %r1\nexit\n");
  ASSERT_TRUE(exe);
  std::map<std::string, std::pair<int, bool>> got;
  for (const JitFunction& f : exe->functions()) got[f.name] = {f.int_args, f.fast_entry};
  // main reads nothing first: fib writes r0 on every path, so r0 is dead before main's
  // call (a call that may pass r0 through would make main declare a0..a5).
  EXPECT_EQ(got["main"], std::make_pair(0, true));
  EXPECT_EQ(got["fib"], std::make_pair(1, true));
  EXPECT_EQ(got["keep"], std::make_pair(6, false));
  EXPECT_EQ(got["three"], std::make_pair(3, false));
  std::vector<uint8_t> mem;
  auto r = exe->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 610u + 4u);  // fib(15) + three(1, 2, 3), through keep
}

TEST(EbpfJitNames, PrefixedNamesReachTheCodeCacheAndPcLookup) {
  // What a sampling profiler sees: CodeCache::lookup_pc of an address inside a JIT'd
  // function names the eBPF function (prefixed by the program's name).
  auto p = build(kFib);
  ASSERT_TRUE(p.ok());
  HelperRegistry helpers;
  JitOptions options;
  options.name_prefix = "fibprog:";
  auto exe = JitEngine(options).load_jit(*p, helpers);
  ASSERT_TRUE(exe.ok()) << exe.error().to_string();
  ASSERT_EQ((*exe)->functions().size(), 2u);
  for (const JitFunction& f : (*exe)->functions()) {
    rvjit::PcInfo info;
    ASSERT_TRUE(rvjit::CodeCache::lookup_pc(f.entry + 8, &info)) << f.name;
    EXPECT_EQ(std::string(info.name), f.name);
    EXPECT_TRUE(f.name == "fibprog:main" || f.name == "fibprog:fib") << f.name;
    EXPECT_TRUE((*exe)->cache().find(f.name).ok()) << f.name;
  }
  std::vector<uint8_t> mem;
  auto r = (*exe)->run(mem);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 610u);
}

TEST_P(JitHooks, EntryAndExitHooksTraceEveryRecursiveCallOfFib) {
  auto exe = load(kFib);
  ASSERT_TRUE(exe);
  Trace t;
  const auto id = trace(*exe, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  std::vector<uint8_t> mem;
  auto r = exe->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 610u);
  // calls(n) = 1 + calls(n-1) + calls(n-2), calls(0) = calls(1) = 1: 2 * fib(16) - 1.
  EXPECT_EQ(t.entries["fib"], 1973);
  EXPECT_EQ(t.exits["fib"], 1973);
  EXPECT_EQ(t.entries["main"], 1);
  EXPECT_EQ(t.main_return, 610u) << "main returns r0 in a0";
  EXPECT_EQ(t.first_args, (std::vector<uint64_t>{0, 15, 14})) << "r1 arrives in a0";
  ASSERT_TRUE(exe->hooks().unregister(id).ok());
  r = exe->run(mem);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 610u);
  EXPECT_EQ(t.entries["fib"], 1973) << "no hook after unregister";
}

TEST_P(JitHooks, FailingRunsReturnThroughEveryHookedFrame) {
  // Unbounded recursion: the depth error unwinds by ordinary returns, so every traced
  // entry gets its exit and the hook manager's shadow stack stays balanced.
  auto exe = load("main:\ncall local f\nexit\nf:\ncall local f\nexit\n");
  ASSERT_TRUE(exe);
  Trace t;
  trace(*exe, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  std::vector<uint8_t> mem;
  for (int round = 0; round < 2; ++round) {
    auto r = exe->run(mem);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().to_string(), "BufferFull: call depth exceeded (pc 2)");
  }
  EXPECT_EQ(t.entries["f"], 2 * 63);
  EXPECT_EQ(t.exits["f"], 2 * 63);
  EXPECT_EQ(t.entries["main"], 2);
  EXPECT_EQ(t.exits["main"], 2);
}

TEST_P(JitHooks, ThreadsRunWhileHooksAreToggled) {
  // Four threads run fib(15) while this thread enables and disables an entry+exit ops:
  // each enable/disable patches every site of the running code. Every run must still
  // return 610. (A frame entered while enabled and left after disable() gets no exit
  // callback, by the manager's contract, so exits <= entries here.)
  auto exe = load(kFib);
  ASSERT_TRUE(exe);
  Trace t;
  rvjit_hook_ops ops{on_entry, on_exit, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
  auto id = exe->hooks().register_ops(ops, rvjit::HookFilter::glob("fib"));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  std::atomic<bool> stop{false};
  std::atomic<int> runs{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      std::vector<uint8_t> mem;
      while (!stop.load()) {
        auto r = exe->run(mem);  // registers the thread itself
        if (!r.ok() || *r != 610) wrong.fetch_add(1);
        runs.fetch_add(1);
      }
    });
  }
  for (int round = 0; round < 10; ++round) {
    EXPECT_TRUE(exe->hooks().enable(*id).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(exe->hooks().disable(*id).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(runs.load(), 0);
  EXPECT_LE(t.exits["fib"], t.entries["fib"]);
  EXPECT_EQ(t.entries.count("main"), 0u) << "the filter selects fib only";
  // After all that patching, one quiet traced run counts exactly.
  Trace quiet;
  ASSERT_TRUE(exe->hooks().swap(*id, on_entry, on_exit, &quiet).ok());
  ASSERT_TRUE(exe->hooks().enable(*id).ok());
  std::vector<uint8_t> mem;
  auto r = exe->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 610u);
  EXPECT_EQ(quiet.entries["fib"], 1973);
  EXPECT_EQ(quiet.exits["fib"], 1973);
}

TEST_P(JitHooks, ExitHooksStillWorkAfterTheFirstTracedExecutableIsGone) {
  // Executables come and go (each owns its CodeCache and HookManager). Exit hooks must
  // keep working in later ones even when the code memory of the first traced one is
  // reused by another executable.
  {
    auto first = load(kFib);
    ASSERT_TRUE(first);
    Trace t;
    trace(*first, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
    std::vector<uint8_t> mem;
    ASSERT_TRUE(first->run(mem).ok());
    EXPECT_EQ(t.exits["fib"], 1973);
  }
  auto squatter = load(kFib);  // likely mapped where `first` was
  ASSERT_TRUE(squatter);
  auto later = load(kFib);
  ASSERT_TRUE(later);
  Trace t;
  trace(*later, &t, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  std::vector<uint8_t> mem;
  auto r = later->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 610u);
  EXPECT_EQ(t.entries["fib"], 1973);
  EXPECT_EQ(t.exits["fib"], 1973);
}

INSTANTIATE_TEST_SUITE_P(Layouts, JitHooks,
                         testing::Values(rvjit::SiteLayout::kOneWord, rvjit::SiteLayout::kTwoWord),
                         [](const auto& info) { return std::string(rvjit::site_layout_name(info.param)); });

#endif  // RVJIT_EBPF_JIT

}  // namespace
