// li_sequence(): constant materialisation for RV64I, with Zba/Zbb/Zbs steps where the
// target has them. See rvjit/jit/li.h.
//
// This file only dispatches: it picks the extension-set type the code is instantiated
// with (li_internal.h), and for base targets tries the shortcut first. The work is in
// li_search.cpp (every candidate shape, the shortest wins) and li_base_fast.cpp (base
// RV64I: the plain chain built directly, and the search's decision reproduced where
// bounds show it final). Neither shortcut changes a decision
// (tests/jit/li_reference_test.cpp).
#include "rvjit/jit/li.h"

#include "li_internal.h"

namespace rvjit {
namespace {

using li_detail::base_fast;
using li_detail::build_plain_base;
using li_detail::choose;
using li_detail::Choice;
using li_detail::emit_plan;
using li_detail::FixedExt;
using li_detail::kNoLimit;
using li_detail::MixedExt;
using li_detail::Shape;

// Base RV64I: the plain chain (one-addi low part, LLVM's RISCVMatInt recursion) is built
// first, into seq: its length is that candidate's cost, and base_fast() mostly decides
// without the search. With extensions, the search as before (base_fast() does not cover
// their shapes).
template <class X>
void materialise(int64_t val, X x, LiSequence& seq) {
  if (x.zba || x.zbb || x.zbs) {
    const Choice c = choose(val, false, x);
    emit_plan(val, c.top, c.inner, x, seq);
    return;
  }
  build_plain_base(val, seq);
  if (base_fast(val, x, seq)) return;
  const Choice c = choose(val, false, x, kNoLimit, seq.size);
  if (c.top.shape == Shape::kPlain && !c.top.lo2) return;
  seq.size = 0;
  emit_plan(val, c.top, c.inner, x, seq);
}

}  // namespace

LiSequence li_sequence(int64_t val, JitTarget target) noexcept {
  LiSequence seq;
  const MixedExt x{target.has(TargetExt::kZba), target.has(TargetExt::kZbb),
                   target.has(TargetExt::kZbs)};
  if (!x.zba && !x.zbb && !x.zbs) {
    materialise(val, FixedExt<false, false, false>{}, seq);
  } else if (x.zba && x.zbb && x.zbs) {
    materialise(val, FixedExt<true, true, true>{}, seq);
  } else {
    materialise(val, x, seq);
  }
  return seq;
}

}  // namespace rvjit
