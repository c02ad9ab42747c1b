// Seeded bug "trampoline linked in the same sync" (issue 13, item 4): a hook trampoline is
// written and the site that jumps to it is linked before one common sync (bug). Another
// thread may see the new jump (an allowed one-word replacement) before the sync reaches
// it, and then fetches the trampoline's never-synced bytes: rule "fresh". The twin syncs
// the trampoline first, then links the site and syncs again.
// The reader runs the function until it returns the trampoline's value; the bug variant
// waits for that before its one sync, so the hazardous fetch happens on every run.
#include "seeded_code.h"

using namespace seeded;

int main(int argc, char** argv) {
  const bool bug = is_bug(argc, argv);
  auto* code = static_cast<uint32_t*>(map_rwx(8192));
  uint32_t* site = code;               // the hooked function: nop (the site); li a0, 1; ret
  site[0] = kNop;
  site[1] = li_a0(1);
  site[2] = kRet;
  uint32_t* tramp = code + 1024;       // the trampoline, on the next page
  membarrier_sync_core();

  std::atomic<int> seen{0}, stop{0}, running{0};
  std::thread reader([&] {
    fence_i();
    while (!stop.load(std::memory_order_acquire)) {
      if (as_fn(site)() == 42) seen.store(1, std::memory_order_release);
      running.store(1, std::memory_order_release);
    }
  });
  // The reader's last sync must come before the trampoline is written.
  wait_for([&] { return running.load(std::memory_order_acquire) != 0; },
           "reader never ran the function");
  tramp[0] = li_a0(42);
  tramp[1] = kRet;
  if (!bug) membarrier_sync_core();    // the trampoline reaches every hart first
  store_word(&site[0], jal_x0(reinterpret_cast<intptr_t>(tramp) - reinterpret_cast<intptr_t>(site)));
  wait_for([&] { return seen.load(std::memory_order_acquire) != 0; },
           "reader never reached the trampoline");
  membarrier_sync_core();
  stop.store(1, std::memory_order_release);
  reader.join();
  expect(as_fn(site)() == 42, "site does not reach the trampoline");
  std::puts(bug ? "trampoline_link bug: linked in the same sync" : "trampoline_link twin: done");
  return 0;
}
