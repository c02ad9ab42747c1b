// The listeners the environment asks for (RVJIT_PERF_MAP, RVJIT_JITDUMP, RVJIT_GDB_JIT),
// attached by CodeCache::create (code_cache.h says what each variable does).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "code_cache_internal.h"
#include "rvjit/runtime/gdb_jit.h"
#include "rvjit/runtime/jitdump.h"
#include "rvjit/runtime/perf_map.h"

namespace rvjit {
namespace {

// ---- listeners the environment asks for (RVJIT_PERF_MAP, RVJIT_JITDUMP, RVJIT_GDB_JIT) ----
// One of each per process, made by the first create() that sees its variable set to "1",
// shared by every cache created while it is set, and never destroyed: they must outlive
// every cache they are attached to, whatever the order of static destruction. Each record
// is written by its own write(2), so nothing is lost when the process exits.
bool env_is_one(const char* name) {
  const char* v = std::getenv(name);
  return v && v[0] == '1' && v[1] == '\0';
}

void warn_env(const char* var, const Error& e) {
  std::fprintf(stderr, "rvjit: %s=1 ignored: %s\n", var, e.to_string().c_str());
}

template <class Writer>
CodeEventListener* env_writer(const char* var, Writer*& slot, bool& failed) {
  if (slot || failed) return slot;
  Result<std::unique_ptr<Writer>> w = Writer::open();
  if (!w.ok()) {
    failed = true;  // warn once, not at every create()
    warn_env(var, w.error());
    return nullptr;
  }
  slot = w->release();
  return slot;
}

}  // namespace

namespace detail {
// Guards the process-wide listeners below; taken across fork (fork_handlers.cpp).
std::mutex& env_listeners_mutex() noexcept {
  static std::mutex mu;
  return mu;
}
}  // namespace detail

// The listeners to attach to a new cache, as the environment says now.
std::vector<CodeEventListener*> internal::env_listeners() {
  std::mutex& mu = detail::env_listeners_mutex();
  static PerfMapWriter* perf_map = nullptr;
  static JitdumpWriter* jitdump = nullptr;
  static GdbJitRegistrar* gdb = nullptr;
  static bool perf_map_failed = false, jitdump_failed = false;
  std::vector<CodeEventListener*> out;
  const bool want_perf = env_is_one("RVJIT_PERF_MAP"), want_dump = env_is_one("RVJIT_JITDUMP"),
             want_gdb = env_is_one("RVJIT_GDB_JIT");
  if (!want_perf && !want_dump && !want_gdb) return out;
  std::lock_guard<std::mutex> g(mu);
  if (want_perf)
    if (CodeEventListener* l = env_writer("RVJIT_PERF_MAP", perf_map, perf_map_failed))
      out.push_back(l);
  if (want_dump)
    if (CodeEventListener* l = env_writer("RVJIT_JITDUMP", jitdump, jitdump_failed))
      out.push_back(l);
  if (want_gdb) {
    if (!gdb) gdb = new GdbJitRegistrar();
    out.push_back(gdb);
  }
  return out;
}

}  // namespace rvjit
