// The program of docs/getting-started.md. Every code block of that page is a region of
// this file (or of getting_started_c.c) between `// [name]` and `// [name-end]`, and
// tests/docs/check_snippets.py (ctest docs_getting_started_snippets) fails when the page
// and the regions differ by a byte. ctest docs_getting_started runs this program under
// qemu-riscv64: it checks every value it prints and exits non-zero on the first mismatch.
// [includes]
#include <atomic>
#include <cstdio>

#include "rvjit/error.h"
#include "rvjit/hooks.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/code_memory.h"
#include "rvjit/runtime/thread_registry.h"
// [includes-end]

extern "C" int getting_started_c(rvjit_code_cache* cache, const uint8_t* code, size_t size,
                                 size_t site_offset);

namespace {

int failures = 0;

// Checks a value the walkthrough promises; a mismatch fails the test.
void expect(const char* what, long got, long want) {
  std::printf("%-34s %ld%s\n", what, got, got == want ? "" : "   <-- MISMATCH");
  if (got != want) {
    std::printf("  expected %ld\n", want);
    ++failures;
  }
}

// [emit]
// long sum_to(long n): base + n + (n-1) + ... + 1, a loop with two labels.
rvjit::Result<rvjit::AssembledCode> emit_sum_to(int64_t base) {
  using namespace rvjit;
  Assembler a;
  Label loop = a.new_label(), done = a.new_label();
  a.li(reg::t0, base);           // any 64-bit constant: the shortest sequence
  a.bind(loop);
  a.beqz(reg::a0, done);         // forward reference, resolved by finalize()
  a.add(reg::t0, reg::t0, reg::a0);
  a.addi(reg::a0, reg::a0, -1);
  a.j(loop);                     // backward reference
  a.bind(done);
  a.mv(reg::a0, reg::t0);
  a.ret();
  return a.finalize();           // the code, or the first error
}
// [emit-end]

// [emit-fib]
// long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }, hookable: the hook
// prologue goes first, and the recursive calls go through the site, so each is traced.
rvjit::Result<rvjit::AssembledCode> emit_fib(rvjit::SiteLayout layout) {
  using namespace rvjit;
  Assembler a;
  Label entry = a.new_label(), base_case = a.new_label();
  emit_hook_prologue(a, layout, entry);  // hook word + disabled site; binds `entry`
  a.li(reg::t2, 2);
  a.blt(reg::a0, reg::t2, base_case);
  a.addi(reg::sp, reg::sp, -32);
  a.sd(reg::ra, reg::sp, 0);
  a.sd(reg::s0, reg::sp, 8);
  a.sd(reg::s1, reg::sp, 16);
  a.mv(reg::s0, reg::a0);
  a.addi(reg::a0, reg::s0, -1);
  a.call(entry);
  a.mv(reg::s1, reg::a0);
  a.addi(reg::a0, reg::s0, -2);
  a.call(entry);
  a.add(reg::a0, reg::a0, reg::s1);
  a.ld(reg::ra, reg::sp, 0);
  a.ld(reg::s0, reg::sp, 8);
  a.ld(reg::s1, reg::sp, 16);
  a.addi(reg::sp, reg::sp, 32);
  a.bind(base_case);
  a.ret();
  return a.finalize();
}
// [emit-fib-end]

// [callbacks]
// What a tracer counts. Callbacks run on the thread that made the call.
struct Counts {
  std::atomic<long> entries{0};
  std::atomic<long> exits{0};
  std::atomic<long> last_return{0};
};

void on_entry(const rvjit_hook_ctx* ctx, void* user_data) {
  // ctx->name is "fib", ctx->args[0] is n.
  static_cast<Counts*>(user_data)->entries.fetch_add(1, std::memory_order_relaxed);
}

void on_exit(const rvjit_hook_ctx* ctx, void* user_data) {
  auto* counts = static_cast<Counts*>(user_data);
  counts->exits.fetch_add(1, std::memory_order_relaxed);
  counts->last_return.store(static_cast<long>(ctx->return_value), std::memory_order_relaxed);
}
// [callbacks-end]

int run() {
  // [errors]
  rvjit::Assembler bad;
  bad.addi(rvjit::reg::a0, rvjit::reg::a0, 4096);  // does not fit 12 bits: recorded
  bad.ret();                                        // a no-op after the first error
  rvjit::Result<rvjit::AssembledCode> rejected = bad.finalize();
  // rejected.ok() is false; the error names the instruction and the value:
  std::printf("%s\n", rejected.error().to_string().c_str());
  // [errors-end]
  expect("error is kImmediateOutOfRange", static_cast<long>(rejected.error().code()),
         static_cast<long>(rvjit::ErrorCode::kImmediateOutOfRange));
  expect("bad.has_error()", bad.has_error(), 1);

  // [install]
  // Every thread that runs JIT code is registered while it may do so.
  rvjit::ThreadRegistration registration("main");
  if (!registration.ok()) {
    std::printf("register: %s\n", registration.error().to_string().c_str());
    return 1;
  }
  // The W^X policy: CodeCacheOptions::policy, else RVJIT_WX_POLICY, else the probe.
  rvjit::Result<std::unique_ptr<rvjit::CodeCache>> cache = rvjit::CodeCache::create();
  if (!cache.ok()) {
    std::printf("code cache: %s\n", cache.error().to_string().c_str());
    return 1;
  }
  std::printf("W^X policy: %s\n", rvjit::wx_policy_name((*cache)->policy()));

  rvjit::Result<rvjit::AssembledCode> sum_code = emit_sum_to(1'000'000'000'000);
  if (!sum_code.ok()) {
    std::printf("emit: %s\n", sum_code.error().to_string().c_str());
    return 1;
  }
  rvjit::Result<rvjit::InstalledCode> sum = (*cache)->install(sum_code.value(), "sum_to");
  if (!sum.ok()) {
    std::printf("install: %s\n", sum.error().to_string().c_str());
    return 1;
  }
  long (*sum_to)(long) = sum->as<long (*)(long)>();
  long total = sum_to(10);  // 1'000'000'000'055
  // [install-end]
  expect("sum_to(10)", total, 1'000'000'000'055);
  expect("sum_to(0)", sum_to(0), 1'000'000'000'000);

  {
    // [hooks]
    Counts first, second;  // two tracers' data; they outlive the manager below
    rvjit::Result<std::unique_ptr<rvjit::HookManager>> hooks =
        rvjit::HookManager::create(**cache);
    if (!hooks.ok()) {
      std::printf("hook manager: %s\n", hooks.error().to_string().c_str());
      return 1;
    }
    rvjit::Result<rvjit::AssembledCode> fib_code = emit_fib(rvjit::SiteLayout::kOneWord);
    if (!fib_code.ok()) {
      std::printf("emit: %s\n", fib_code.error().to_string().c_str());
      return 1;
    }
    rvjit::Result<rvjit::HookedFunction> fib_fn = (*hooks)->install(fib_code.value(), "fib");
    if (!fib_fn.ok()) {
      std::printf("install: %s\n", fib_fn.error().to_string().c_str());
      return 1;
    }
    auto fib = reinterpret_cast<long (*)(long)>(fib_fn->entry);  // the site: call this

    rvjit_hook_ops ops{on_entry, on_exit, &first, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
    rvjit::Result<rvjit::HookOpsId> id =
        (*hooks)->register_ops(ops, rvjit::HookFilter::glob("fib*"));  // registered disabled
    if (!id.ok()) {
      std::printf("register: %s\n", id.error().to_string().c_str());
      return 1;
    }
    fib(10);                                           // not traced yet
    if (rvjit::Error e = (*hooks)->enable(id.value())) {  // patch the sites, sync once
      std::printf("enable: %s\n", e.to_string().c_str());
      return 1;
    }
    long fib10 = fib(10);  // 55; 177 traced calls: fib(10) and every recursive call
    std::printf("sync used: %s\n", rvjit::sync_strategy_name((*hooks)->stats().last_sync));
    // [hooks-end]
    expect("fib(10)", fib10, 55);
    expect("first.entries after enable", first.entries.load(), 177);
    expect("first.exits after enable", first.exits.load(), 177);
    expect("first.last_return", first.last_return.load(), 55);

    // [swap]
    // Hot swap: new callbacks and data, no code touched. When swap() returns no thread
    // is inside the old callbacks or enters them again: `first` may be freed.
    if (rvjit::Error e = (*hooks)->swap(id.value(), on_entry, on_exit, &second)) {
      std::printf("swap: %s\n", e.to_string().c_str());
      return 1;
    }
    fib(5);  // 15 calls, counted in `second`
    // [swap-end]
    expect("first.entries after swap", first.entries.load(), 177);
    expect("second.entries after swap", second.entries.load(), 15);
    expect("second.last_return", second.last_return.load(), 5);

    // [unregister]
    // Disables the sites (one batch, one sync), then waits out every thread inside the
    // callbacks: afterwards `second` may be freed.
    if (rvjit::Error e = (*hooks)->unregister(id.value())) {
      std::printf("unregister: %s\n", e.to_string().c_str());
      return 1;
    }
    fib(10);  // runs the disabled site (a nop): nothing counted
    // [unregister-end]
    expect("second.entries after unregister", second.entries.load(), 15);
    expect("second.exits after unregister", second.exits.load(), 15);
    expect("fib site enabled", (*hooks)->site_enabled("fib").value(), 0);
  }  // the HookManager releases fib here; the cache keeps sum_to

  // The C API: a separate cache (one HookManager per cache), driven from C.
  rvjit::Result<std::unique_ptr<rvjit::CodeCache>> c_cache = rvjit::CodeCache::create();
  rvjit::Result<rvjit::AssembledCode> c_code = emit_fib(rvjit::SiteLayout::kOneWord);
  if (!c_cache.ok() || !c_code.ok()) return 1;
  // [c-cache]
  // The C API works on a CodeCache created by the VM's C++ side:
  auto* c_handle = reinterpret_cast<rvjit_code_cache*>(c_cache->get());
  // The hook site's offset in the code (what rvjit_hook_install needs):
  size_t site_offset = c_code->patch_sites.at(0).offset;
  // [c-cache-end]
  int c_rc = getting_started_c(c_handle, c_code->code.data(), c_code->code.size(), site_offset);
  expect("C API walkthrough", c_rc, 0);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main() {
  const int rc = run();
  // Printed only after every cache and manager was destroyed without a crash.
  std::printf("getting-started: %s\n", rc == 0 ? "all checks passed" : "FAILED");
  return rc;
}
