// libFuzzer target: random instruction streams and label graphs through the Assembler.
//
// The input drives a small program: create/bind labels, branches/jumps/calls/la to labels,
// gaps of nops (small, >4 KiB, >1 MiB) that force relaxation, li, literal-pool loads,
// alignment, explicit pool flushes, and deliberate misuse (double bind, foreign labels,
// a fixed buffer that is too small). A shadow model predicts the outcome. Invariants:
//   * finalize() never crashes and fails exactly when the model says it must, with the
//     first error (kInvalidLabel / kBufferFull / kUnboundLabel), never truncated output;
//   * on success every reference, decoded from the bytes, lands on its label's final
//     offset with its original condition and registers; li sequences compute their value;
//     aligned labels are aligned; pool loads read the right constant.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "assembler_test_util.h"
#include "rvjit/jit/assembler.h"

namespace {

using namespace rvjit;

#define FUZZ_CHECK(cond)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "fuzz_assembler: check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                        \
    }                                                                      \
  } while (0)

struct Input {
  const uint8_t* p;
  size_t n;
  size_t i = 0;
  bool empty() const { return i >= n; }
  uint8_t byte() { return i < n ? p[i++] : 0; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | byte();
    return v;
  }
};

enum class RefKind { kBranch, kJal, kLa, kLi, kPool, kAlign };
struct Ref {
  RefKind kind;
  Label at, end;   // position of the reference (end: after it, for li)
  uint32_t label;  // index into labels (kBranch/kJal/kLa)
  unsigned f3 = 0, rs1 = 0, rs2 = 0, rd = 0;
  int64_t value = 0;  // kLi / kPool: the constant; kAlign: the alignment
};

constexpr unsigned kBranchF3[] = {0, 1, 4, 5, 6, 7};

void run(const uint8_t* data, size_t size) {
  Input in{data, size};
  const uint8_t mode = in.byte();
  const bool fixed = (mode & 7) == 0;
  std::vector<uint8_t> storage;
  Assembler growing;
  storage.resize(fixed ? 16 + in.byte() * 16 : 0);
  Assembler fixed_asm(storage.data(), storage.size());
  Assembler& a = fixed ? fixed_asm : growing;
  // RVC on: nops and addis become 2 bytes, so references and labels sit at offsets that
  // are only 2-aligned and alignment padding needs a c.nop.
  a.set_auto_compress((mode & 8) != 0);
  Assembler other;
  const Label foreign = other.new_label();

  std::vector<Label> labels;
  std::vector<bool> bound;
  std::vector<bool> referenced;
  std::vector<Ref> refs;
  ErrorCode expected = ErrorCode::kOk;  // first misuse the model saw
  int big_gaps = 0;

  auto pick = [&]() -> uint32_t {
    if (labels.empty() || (in.byte() & 7) == 0) {
      labels.push_back(a.new_label());
      bound.push_back(false);
      referenced.push_back(false);
    }
    return static_cast<uint32_t>(in.byte() % labels.size());
  };
  auto marker = [&]() {
    Label m = a.new_label();
    a.bind(m);
    return m;
  };

  for (int step = 0; step < 400 && !in.empty(); ++step) {
    const uint8_t op = in.byte() % 14;
    switch (op) {
      case 0: case 1: {  // bind (sometimes a second time)
        const uint32_t l = pick();
        if (bound[l] && expected == ErrorCode::kOk) expected = ErrorCode::kInvalidLabel;
        a.bind(labels[l]);
        bound[l] = true;
        break;
      }
      case 2: case 3: case 4: {  // conditional branch
        const uint32_t l = pick();
        Ref r{RefKind::kBranch, marker(), {}, l};
        r.f3 = kBranchF3[in.byte() % 6];
        r.rs1 = in.byte() & 31;
        r.rs2 = in.byte() & 31;
        referenced[l] = true;
        switch (r.f3) {
          case 0: a.beq(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
          case 1: a.bne(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
          case 4: a.blt(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
          case 5: a.bge(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
          case 6: a.bltu(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
          default: a.bgeu(Gp{r.rs1}, Gp{r.rs2}, labels[l]); break;
        }
        refs.push_back(r);
        break;
      }
      case 5: {  // jal / j / call / tail
        const uint32_t l = pick();
        Ref r{RefKind::kJal, marker(), {}, l};
        const uint8_t how = in.byte() % 4;
        referenced[l] = true;
        if (how == 0) { r.rd = in.byte() & 31; a.jal(Gp{r.rd}, labels[l]); }
        else if (how == 1) { r.rd = 0; a.j(labels[l]); }
        else if (how == 2) { r.rd = 1; a.call(labels[l]); }
        else { r.rd = 0; a.tail(labels[l]); }
        refs.push_back(r);
        break;
      }
      case 6: {  // gap of nops: small, > 4 KiB or (rarely) > 1 MiB
        const uint8_t g = in.byte();
        size_t words = 1 + (g & 15);
        if (g >= 0xc0) words = 1024 + g;
        if (g == 0xff && big_gaps < 2) { words = (1u << 18) + 8; ++big_gaps; }
        for (size_t k = 0; k < words; ++k) a.nop();
        break;
      }
      case 7: {  // li
        Ref r{RefKind::kLi, marker(), {}, 0};
        r.rd = 1 + in.byte() % 31;
        const uint64_t bits = in.u64();
        r.value = static_cast<int64_t>(bits >> (in.byte() & 63));
        a.li(Gp{r.rd}, r.value);
        r.end = marker();
        refs.push_back(r);
        break;
      }
      case 8: {  // la
        const uint32_t l = pick();
        Ref r{RefKind::kLa, marker(), {}, l};
        r.rd = in.byte() & 31;
        referenced[l] = true;
        a.la(Gp{r.rd}, labels[l]);
        refs.push_back(r);
        break;
      }
      case 9: {  // literal pool load
        Ref r{RefKind::kPool, marker(), {}, 0};
        r.rd = 1 + in.byte() % 31;
        r.value = static_cast<int64_t>(in.u64());
        a.li_pool(Gp{r.rd}, static_cast<uint64_t>(r.value));
        refs.push_back(r);
        break;
      }
      case 10: {  // align
        const uint32_t al = 4u << (in.byte() % 6);
        a.align(al);
        Ref r{RefKind::kAlign, marker(), {}, 0};
        r.value = al;
        refs.push_back(r);
        break;
      }
      case 11: a.flush_pool(); break;
      case 12:  // misuse: another Assembler's label
        if ((in.byte() & 15) == 0) {
          if (expected == ErrorCode::kOk) expected = ErrorCode::kInvalidLabel;
          a.j(foreign);
        }
        break;
      default: {
        const unsigned rd = in.byte() & 31u, rs = in.byte() & 31u;
        a.addi(Gp{rd}, Gp{rs}, static_cast<int8_t>(in.byte()));
        break;
      }
    }
    if (fixed && a.has_error() && expected == ErrorCode::kOk &&
        a.error().code() == ErrorCode::kBufferFull) {
      expected = ErrorCode::kBufferFull;
    }
    // The sticky error is always the first misuse the model predicted.
    if (a.has_error()) FUZZ_CHECK(a.error().code() == expected);
    else FUZZ_CHECK(expected == ErrorCode::kOk || expected == ErrorCode::kBufferFull);
  }

  bool unbound_ref = false;
  for (size_t l = 0; l < labels.size(); ++l) unbound_ref |= referenced[l] && !bound[l];

  auto result = a.finalize();
  if (!result.ok()) {
    const ErrorCode got = result.error().code();
    FUZZ_CHECK(!result.error().message().empty());
    if (expected != ErrorCode::kOk) {
      FUZZ_CHECK(got == expected);
    } else if (fixed && got == ErrorCode::kBufferFull) {
      FUZZ_CHECK(a.offset() <= storage.size());  // a pool flush at finalize may overflow too
    } else {
      FUZZ_CHECK(unbound_ref && got == ErrorCode::kUnboundLabel);
    }
    return;
  }
  FUZZ_CHECK(expected == ErrorCode::kOk && !unbound_ref);
  const AssembledCode& c = result.value();
  FUZZ_CHECK(c.code.size() % 2 == 0);

  for (const Ref& r : refs) {
    const int64_t at = a.label_offset(r.at);
    FUZZ_CHECK(at >= 0 && static_cast<size_t>(at) <= c.code.size());
    const size_t site = static_cast<size_t>(at);
    switch (r.kind) {
      case RefKind::kBranch:
        FUZZ_CHECK(test::branch_lands(c.code, site, r.f3, r.rs1, r.rs2,
                                      a.label_offset(labels[r.label])));
        break;
      case RefKind::kJal: {
        auto d = test::decode_jump(c.code, site);
        FUZZ_CHECK(d && d->link == r.rd && d->target == a.label_offset(labels[r.label]));
        if (d->size == 8) FUZZ_CHECK(d->scratch == (r.rd ? r.rd : a.relax_scratch().id));
        break;
      }
      case RefKind::kLa: {
        const uint32_t au = test::word_at(c.code, site), ad = test::word_at(c.code, site + 4);
        FUZZ_CHECK(test::opcode(au) == 0x17 && test::rd_of(au) == r.rd && test::rs1_of(ad) == r.rd);
        FUZZ_CHECK(at + test::imm_u(au) + test::imm_i(ad) == a.label_offset(labels[r.label]));
        break;
      }
      case RefKind::kLi: {
        auto v = test::run_li(c.code, site, static_cast<size_t>(a.label_offset(r.end)), r.rd);
        FUZZ_CHECK(v && *v == r.value);
        break;
      }
      case RefKind::kPool: {
        const uint32_t au = test::word_at(c.code, site), ld = test::word_at(c.code, site + 4);
        const int64_t slot = at + test::imm_u(au) + test::imm_i(ld);
        FUZZ_CHECK(slot % 8 == 0 && slot >= 0 && static_cast<size_t>(slot) + 8 <= c.code.size());
        uint64_t v;
        std::memcpy(&v, c.code.data() + slot, 8);
        FUZZ_CHECK(v == static_cast<uint64_t>(r.value));
        break;
      }
      case RefKind::kAlign:
        FUZZ_CHECK(at % r.value == 0 && c.alignment % r.value == 0);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run(data, size);
  return 0;
}
