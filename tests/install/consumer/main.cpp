// rvjit consumer: emits `addi a0, zero, N; ret` with rvjit::Assembler, installs it in a
// CodeCache (W^X, published with FENCE.I) and calls it. Prints "result N" and exits 0 when
// the JIT'd function returned N. Built against an installed rvjit, with CMake
// (find_package(rvjit)) and with pkg-config, by tests/install/install_consumer_test.sh.
#include <cstdio>
#include <cstdlib>

#include "rvjit/error.h"
#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/code_memory.h"
#ifdef RVJIT_CONSUMER_HOOKS_LIB
#include "rvjit/hooks/site.h"
#endif

int main(int argc, char** argv) {
  long n = argc > 1 ? std::strtol(argv[1], nullptr, 0) : 42;

  rvjit::Assembler a;
  a.addi(rvjit::reg::a0, rvjit::reg::zero, n);
  a.ret();
  auto code = a.finalize();
  if (!code.ok()) {
    std::fprintf(stderr, "consumer: finalize: %s\n", code.error().to_string().c_str());
    return 2;
  }

  auto cache = rvjit::CodeCache::create();
  if (!cache.ok()) {
    std::fprintf(stderr, "consumer: CodeCache::create: %s\n", cache.error().to_string().c_str());
    return 2;
  }
  auto fn = (*cache)->install(code.value(), "consumer_answer");
  if (!fn.ok()) {
    std::fprintf(stderr, "consumer: install: %s\n", fn.error().to_string().c_str());
    return 2;
  }
  long got = fn->as<long (*)()>()();
  std::printf("policy %s\n", rvjit::wx_policy_name((*cache)->policy()));
#ifdef RVJIT_CONSUMER_HOOKS_LIB
  std::printf("hooks %s\n", rvjit::site_layout_name(rvjit::SiteLayout::kOneWord));
#endif
  std::printf("result %ld\n", got);
  return got == n ? 0 : 1;
}
