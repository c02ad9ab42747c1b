// The Assembler's output read back by LLVM MC (host only): every instruction in finalized,
// relaxed code must disassemble, re-assemble to the same bytes, and the relaxed forms must
// be what the Assembler documents (inverted branch over jal / auipc+jalr with t1, la as
// auipc+addi), with the offsets LLVM prints pointing at the labels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "llvm_mc_oracle.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

void nops(Assembler& a, size_t bytes) {
  for (size_t i = 0; i < bytes / 4; ++i) a.emit32(enc::kNop);
}

// Disassemble `code` from `from` to `to` (skipping 8-byte data slots) with LLVM and check
// that each instruction round-trips. Returns the texts by offset.
std::vector<std::pair<size_t, std::string>> round_trip(test::LlvmMcOracle& dis,
                                                       test::LlvmMcOracle& as32,
                                                       const std::vector<uint8_t>& code,
                                                       const std::set<size_t>& data) {
  std::vector<std::pair<size_t, std::string>> out;
  std::map<uint32_t, std::pair<std::string, size_t>> seen;  // word -> checked text, size
  for (size_t at = 0; at < code.size();) {
    if (data.count(at)) { at += 8; continue; }
    uint32_t word = 0;
    std::memcpy(&word, code.data() + at, std::min<size_t>(4, code.size() - at));
    if (auto it = seen.find(word); it != seen.end()) {  // e.g. the 260k nops: parse once
      out.emplace_back(at, it->second.first);
      at += it->second.second;
      continue;
    }
    size_t n = 0;
    const std::string text = dis.disassemble(code.data() + at, code.size() - at, &n);
    EXPECT_FALSE(text.empty()) << "undecodable at " << at;
    if (text.empty()) break;
    auto again = n == 4 ? as32.assemble(text) : dis.assemble(text);
    EXPECT_TRUE(again.ok()) << text << ": " << again.error;
    EXPECT_EQ(again.bytes, std::vector<uint8_t>(code.begin() + at, code.begin() + at + n)) << text;
    out.emplace_back(at, text);
    if (n == 4) seen.emplace(word, std::make_pair(text, n));
    at += n;
  }
  return out;
}

std::string text_at(const std::vector<std::pair<size_t, std::string>>& t, size_t at) {
  for (const auto& [off, s] : t) if (off == at) return s;
  return "<none at " + std::to_string(at) + ">";
}

TEST(AssemblerLlvm, RelaxedCodeRoundTripsThroughLlvm) {
  test::LlvmMcOracle dis(test::LlvmMcOracle::kAll);    // decodes c.nop too
  test::LlvmMcOracle as32(test::LlvmMcOracle::kAllButC);
  Assembler a;
  Label near_l = a.new_label(), mid = a.new_label(), far = a.new_label(), data = a.new_label();
  Label s_near = a.new_label(), s_mid = a.new_label(), s_far = a.new_label(), s_call = a.new_label(),
        s_tail = a.new_label(), s_la = a.new_label();
  a.bind(s_near); a.bge(reg::a0, reg::a1, near_l);
  a.bind(s_mid);  a.bltu(reg::a2, reg::a3, mid);
  a.bind(s_far);  a.beq(reg::a4, reg::zero, far);
  a.bind(s_call); a.call(far);
  a.bind(s_tail); a.tail(far);
  a.bind(s_la);   a.la(reg::a5, data);
  a.li(reg::t0, 0x123456789abcdef0ll);
  a.li_pool(reg::t2, 0xfeedfacecafebeefull);
  a.call_abs(0x12345678, Assembler::Reach::kFar);
  a.bind(near_l);
  a.align(16);
  nops(a, 8192);
  a.bind(mid);
  nops(a, 1 << 20);
  a.bind(far);
  a.bind(data);
  a.ret();
  auto r = a.finalize();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const AssembledCode& c = r.value();

  // Pool slots (8-byte data) are not instructions: find them through the loads' labels.
  std::set<size_t> slots;
  const size_t pool_start = static_cast<size_t>(a.label_offset(data)) + 4;
  for (size_t at = (pool_start + 7) & ~size_t{7}; at + 8 <= c.code.size(); at += 8) slots.insert(at);
  const auto t = round_trip(dis, as32, c.code, slots);
  ASSERT_GT(t.size(), 260000u);

  auto off = [&](Label l) { return static_cast<size_t>(a.label_offset(l)); };
  auto rel = [&](Label to, size_t from) { return std::to_string(a.label_offset(to) - static_cast<int64_t>(from)); };
  EXPECT_EQ(text_at(t, off(s_near)), "bge a0, a1, " + rel(near_l, off(s_near)));
  // > 4 KiB: inverted condition over a jal.
  EXPECT_EQ(text_at(t, off(s_mid)), "bgeu a2, a3, 8");
  EXPECT_EQ(text_at(t, off(s_mid) + 4), "jal zero, " + rel(mid, off(s_mid) + 4));
  // > 1 MiB: inverted condition over auipc t1 + jalr.
  EXPECT_EQ(text_at(t, off(s_far)), "bne a4, zero, 12");
  EXPECT_EQ(text_at(t, off(s_far) + 4).rfind("auipc t1, ", 0), 0u) << text_at(t, off(s_far) + 4);
  EXPECT_EQ(text_at(t, off(s_far) + 8).rfind("jalr zero, ", 0), 0u);
  EXPECT_NE(text_at(t, off(s_far) + 8).find("(t1)"), std::string::npos);
  // call: auipc ra + jalr ra; tail: auipc t1 + jalr zero.
  EXPECT_EQ(text_at(t, off(s_call)).rfind("auipc ra, ", 0), 0u);
  EXPECT_EQ(text_at(t, off(s_call) + 4).rfind("jalr ra, ", 0), 0u);
  EXPECT_EQ(text_at(t, off(s_tail)).rfind("auipc t1, ", 0), 0u);
  EXPECT_EQ(text_at(t, off(s_tail) + 4).rfind("jalr zero, ", 0), 0u);
  EXPECT_EQ(text_at(t, off(s_la)).rfind("auipc a5, ", 0), 0u);
  EXPECT_EQ(text_at(t, off(s_la) + 4).rfind("addi a5, a5, ", 0), 0u);
}

}  // namespace
}  // namespace rvjit
