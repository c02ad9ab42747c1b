// Seeded bug "flush flag 1": the writer patches one instruction of a function that another
// thread keeps calling, then calls riscv_flush_icache(0, 0, 1) (SYS_RISCV_FLUSH_ICACHE_LOCAL:
// only its own hart; bug) or flags 0 (every hart of the process; twin) and publishes. The
// reader, once it sees the publication, must run the new code; with flag 1 its hart was
// never synced: rule "stale-after-sync".
#include "seeded_code.h"

using namespace seeded;

int main(int argc, char** argv) {
  const bool bug = is_bug(argc, argv);
  auto* code = static_cast<uint32_t*>(map_rwx(4096));
  code[0] = li_a0(1);
  code[1] = kRet;
  fence_i();

  std::atomic<int> published{0}, reader_running{0}, after{0};
  std::thread reader([&] {
    fence_i();  // the reader's hart starts synced with the installed code
    while (!published.load(std::memory_order_acquire)) {
      as_fn(code)();
      reader_running.store(1, std::memory_order_release);
    }
    after.store(as_fn(code)(), std::memory_order_release);  // must be the new code
  });
  wait_for([&] { return reader_running.load(std::memory_order_acquire) != 0; },
           "reader never ran the function");
  store_word(&code[0], li_a0(2));
  flush_icache(bug ? kFlushLocal : 0);
  published.store(1, std::memory_order_release);
  reader.join();
  expect(after.load() == 2, "reader ran old code after the publication");
  std::puts(bug ? "flush_local bug: flushed only the writer's hart" : "flush_local twin: done");
  return 0;
}
