// Seeded bug "no fence.i": a new function is written next to one that already ran and is
// called without a fence.i (bug) or after one (twin). Its bytes were zeros, not an
// instruction, so the fetch is of fresh, never-synced code: rule "fresh".
#include "seeded_code.h"

using namespace seeded;

int main(int argc, char** argv) {
  const bool bug = is_bug(argc, argv);
  auto* code = static_cast<uint32_t*>(map_rwx(4096));
  code[0] = li_a0(1);
  code[1] = kRet;
  fence_i();
  expect(as_fn(code)() == 1, "first function returned the wrong value");

  uint32_t* next = code + 16;  // same page, never executed, held zeros
  next[0] = li_a0(7);
  next[1] = kRet;
  if (!bug) fence_i();
  expect(as_fn(next)() == 7, "new function returned the wrong value");
  std::puts(bug ? "no_fence_i bug: ran new code without fence.i" : "no_fence_i twin: done");
  return 0;
}
