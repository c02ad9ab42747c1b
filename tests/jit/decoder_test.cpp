// The patch-time decoder against LLVM's disassembler (host only), over random words with
// a fixed seed: whenever LLVM prints jal/jalr/auipc (or a canonical nop), rvjit must decode
// the word to the same text, and whenever rvjit decodes a word, LLVM must print the same.
// (The LLVM-free decoder tests are in decoder_rules_test.cpp.)
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "llvm_mc_oracle.h"
#include "rvjit/jit/decoder.h"

namespace rvjit {
namespace {

bool is_patch_mnemonic(const std::string& t) {
  return t.rfind("jal ", 0) == 0 || t.rfind("jalr ", 0) == 0 || t.rfind("auipc ", 0) == 0 ||
         t == "addi zero, zero, 0" || t == "c.nop";
}

TEST(Decoder, AgreesWithLlvmDisassemblerOnRandomWords) {
  test::LlvmMcOracle llvm(test::LlvmMcOracle::kAll);
  std::mt19937_64 rng(0xdec0de);
  const uint32_t kForced[] = {0x6f, 0x67, 0x17, 0x13};
  size_t checked = 0, decoded = 0, mismatches = 0;
  for (int i = 0; i < 400000; ++i) {
    uint32_t w = static_cast<uint32_t>(rng());
    switch (i % 8) {  // steer half of the words onto the opcodes under test
      case 0: case 1: case 2: w = (w & ~0x7fu) | kForced[rng() % 3]; break;
      case 3: w = (rng() % 4 == 0) ? 0x13u : ((w & ~0x7fu) | 0x13u); break;
      case 4: w = (rng() % 2 == 0) ? 0x0001u : (w & 0xffffu & ~0x3u) | (rng() % 3); break;
      default: break;
    }
    const uint8_t bytes[4] = {uint8_t(w), uint8_t(w >> 8), uint8_t(w >> 16), uint8_t(w >> 24)};
    size_t size = 0;
    const std::string theirs = llvm.disassemble(bytes, 4, &size);
    const std::string ours = decode::format(w);
    const size_t our_len = decode::insn_length(static_cast<uint16_t>(w));
    ++checked;
    if (!ours.empty()) ++decoded;
    const bool llvm_patch = !theirs.empty() && is_patch_mnemonic(theirs);
    if ((llvm_patch || !ours.empty()) && ours != theirs) {
      if (++mismatches <= 20)
        ADD_FAILURE() << std::hex << "word 0x" << w << ": rvjit \"" << ours << "\" llvm \""
                      << theirs << "\"";
    }
    if (!theirs.empty() && size != our_len) {
      if (++mismatches <= 20)
        ADD_FAILURE() << std::hex << "word 0x" << w << ": length rvjit " << our_len
                      << " llvm " << size << " (" << theirs << ")";
    }
  }
  std::printf("decoder: %zu random words, %zu decoded by rvjit, %zu mismatches\n", checked,
              decoded, mismatches);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(decoded, 100000u);
}

}  // namespace
}  // namespace rvjit
