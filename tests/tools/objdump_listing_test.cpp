// rvjit-objdump: a dump written by JitdumpWriter, listed. Checks names, addresses,
// instructions, resolved targets (other functions and local labels), hook-site marking,
// and that truncated, corrupted and missing files give clear errors, never a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "listing.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/jitdump.h"

namespace {

namespace enc = rvjit::enc;
using rvjit::ErrorCode;
using rvjit::objdump::EntrySite;

constexpr unsigned kZero = 0, kRa = 1, kT0 = 5, kA0 = 10, kA1 = 11;
constexpr uint32_t addi(unsigned rd, unsigned rs1, int imm) {
  return enc::i_type(enc::kOpImm, 0, rd, rs1, imm);
}
constexpr uint32_t jalr(unsigned rd, unsigned rs1, int imm) {
  return enc::i_type(enc::kOpJalr, 0, rd, rs1, imm);
}
constexpr uint32_t jal(unsigned rd, int off) { return enc::j_type(enc::kOpJal, rd, off); }
constexpr uint32_t bne(unsigned rs1, unsigned rs2, int off) {
  return enc::b_type(enc::kOpBranch, 1, rs1, rs2, off);
}
constexpr uint32_t auipc(unsigned rd, uint32_t hi20) { return enc::u_type(enc::kOpAuipc, rd, hi20); }
constexpr uint32_t kRet = jalr(kZero, kRa, 0);

struct Fn {
  const char* name;
  uint64_t addr;
  std::vector<uint32_t> words;
};

// Functions at fixed addresses: the listing is then fully predictable.
const std::vector<Fn>& functions() {
  static const std::vector<Fn> fns = {
      {"site_off", 0x10000, {enc::kNop, enc::kNop, addi(kA0, kZero, 1), kRet}},
      // auipc t0,0 at 0x10100 + jalr t0,0x100(t0) -> 0x10200 = tramp
      {"site_on", 0x10100, {auipc(kT0, 0), jalr(kT0, kT0, 0x100), kRet}},
      {"tramp", 0x10200, {addi(kA1, kA1, 0), kRet}},
      // 0x10300: jal t0, -0x100 -> tramp
      {"one_word_on", 0x10300, {jal(kT0, -0x100), kRet}},
      // a loop (local label at +4), a call into tramp+4, and a word no decoder accepts
      {"loop", 0x10400,
       {addi(kA1, kZero, 0), addi(kA0, kA0, -1), bne(kA0, kZero, -4), jal(kRa, -0x208), kRet,
        0xffffffffu}},
  };
  return fns;
}

std::string temp_path(const char* tag) {
  return "/tmp/rvjit-objdump-" + std::to_string(getpid()) + "-" + tag + ".dump";
}

std::string write_dump(const char* tag) {
  const std::string path = temp_path(tag);
  auto w = rvjit::JitdumpWriter::open(path);
  EXPECT_TRUE(w.ok());
  if (!w.ok()) return path;
  uint64_t index = 1;
  for (const auto& f : functions()) {
    (*w)->on_code_load({f.name, f.addr, f.words.size() * 4,
                        reinterpret_cast<const uint8_t*>(f.words.data()), index++, nullptr, 0});
  }
  EXPECT_TRUE((*w)->close().ok());
  return path;
}

std::vector<uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}
void spit(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
}

// Whitespace runs collapsed to one space, so checks do not depend on column widths.
std::string squeeze(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '\t') c = ' ';
    if (c == ' ' && !r.empty() && (r.back() == ' ' || r.back() == '\n')) continue;
    r += c;
  }
  return r;
}

TEST(ObjdumpListing, PrintsNamesInstructionsTargetsAndSites) {
  const std::string path = write_dump("listing");
  auto listing = rvjit::objdump::render_jitdump_file(path, {});
  std::remove(path.c_str());
  ASSERT_TRUE(listing.ok()) << listing.error().to_string();
  const std::string out = squeeze(*listing);
  SCOPED_TRACE(*listing);
  auto has = [&](const std::string& s) { return out.find(s) != std::string::npos; };

  EXPECT_TRUE(has("5 functions"));
  // Function headers: address and name.
  EXPECT_TRUE(has("0000000000010000 <site_off>: 16 bytes, code_index 1"));
  EXPECT_TRUE(has("0000000000010400 <loop>: 24 bytes, code_index 5"));
  // Hook sites at entry, in both layouts and states.
  EXPECT_TRUE(has("<site_off>: 16 bytes, code_index 1, tid"));
  EXPECT_TRUE(has("; hook site (two_word, disabled) at entry\n"));
  EXPECT_TRUE(has("; hook site (two_word, enabled) at entry -> 0x10200 <tramp>"));
  EXPECT_TRUE(has("; hook site (one_word, enabled) at entry -> 0x10200 <tramp>"));
  EXPECT_TRUE(has("10000: 00000013 nop ; hook site (two_word, disabled)"));
  EXPECT_TRUE(has("10004: 00000013 nop ; hook site (two_word, disabled)"));
  EXPECT_TRUE(has("10008: 00100513 li a0, 1\n"));  // past the site: not marked
  // auipc+jalr pair resolved to the other function.
  EXPECT_TRUE(has("10104: 100282e7 jalr t0, 256(t0) # 0x10200 <tramp>"));
  EXPECT_TRUE(has("10300: f01ff2ef jal t0, 0x10200 <tramp>"));
  // Local label for the loop, and a call to tramp+4.
  EXPECT_TRUE(has(".L0:\n10404: fff50513 addi a0, a0, -1"));
  EXPECT_TRUE(has("10408: fe051ee3 bnez a0, 0x10404 <.L0>"));
  EXPECT_TRUE(has("1040c: df9ff0ef jal 0x10204 <tramp+0x4>"));
  EXPECT_TRUE(has("10410: 00008067 ret"));
  EXPECT_TRUE(has("10414: ffffffff .word 0xffffffff"));
  // tramp starts with a plain instruction: no site.
  size_t tramp = out.find("<tramp>: 8 bytes, code_index 3");
  ASSERT_NE(tramp, std::string::npos);
  size_t next = out.find('\n', tramp);
  EXPECT_EQ(out.compare(next + 1, 6, "10200:"), 0) << out.substr(next + 1, 40);
}

TEST(ObjdumpListing, EntrySiteLayouts) {
  const uint32_t nop2[] = {enc::kNop, enc::kNop};
  const uint32_t nop1[] = {enc::kNop, kRet};
  const uint32_t plain[] = {kRet, enc::kNop};
  const uint32_t jal_ra[] = {jal(kRa, 8), kRet};  // a call, not a site (rd is ra)
  auto at = [](const uint32_t* w, size_t n) {
    return rvjit::objdump::detect_entry_site(reinterpret_cast<const uint8_t*>(w), n * 4, 0x1000);
  };
  EXPECT_EQ(at(nop2, 2).kind, EntrySite::kTwoWord);
  EXPECT_FALSE(at(nop2, 2).enabled);
  // The one-word toggle: `j .+8` over the unbound nop, or over the site's fixed jalr.
  const uint32_t skip_nop[] = {0x0080006f, enc::kNop};
  const uint32_t skip_jalr[] = {0x0080006f, 0x100282e7};  // jalr t0, 256(t0)
  EXPECT_EQ(at(skip_nop, 2).kind, EntrySite::kTwoWord);
  EXPECT_FALSE(at(skip_nop, 2).enabled);
  EXPECT_EQ(at(skip_jalr, 2).kind, EntrySite::kTwoWord);
  EXPECT_FALSE(at(skip_jalr, 2).enabled);
  EXPECT_EQ(at(nop1, 2).kind, EntrySite::kOneWord);
  EXPECT_FALSE(at(nop1, 2).enabled);
  EXPECT_EQ(at(plain, 2).kind, EntrySite::kNone);
  EXPECT_EQ(at(jal_ra, 2).kind, EntrySite::kNone);
  EXPECT_EQ(at(nop2, 0).kind, EntrySite::kNone);  // empty code
}

TEST(ObjdumpErrors, TruncatedAndCorruptedFilesNameTheOffset) {
  const std::string path = write_dump("bad");
  auto good = slurp(path);
  ASSERT_GT(good.size(), 100u);

  auto cut = good;
  cut.resize(40 + 30);  // in the middle of the first record
  spit(path, cut);
  auto r1 = rvjit::objdump::render_jitdump_file(path, {});
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code(), ErrorCode::kParseError);
  EXPECT_NE(r1.error().message().find("offset 40: record of"), std::string::npos)
      << r1.error().message();

  auto bad = good;
  bad[0] ^= 0xff;
  spit(path, bad);
  auto r2 = rvjit::objdump::render_jitdump_file(path, {});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kParseError);
  EXPECT_NE(r2.error().message().find("offset 0: bad magic"), std::string::npos);

  // Random corruption anywhere: an error or a listing, never a crash or a hang.
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    auto fuzz = good;
    for (int k = 0; k < 3; ++k) fuzz[rng() % fuzz.size()] = static_cast<uint8_t>(rng());
    fuzz.resize(rng() % 2 ? fuzz.size() : rng() % fuzz.size());
    auto parsed = rvjit::parse_jitdump(fuzz.data(), fuzz.size());
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kParseError);
      EXPECT_NE(parsed.error().message().find("offset "), std::string::npos);
      continue;
    }
    auto d = rvjit::objdump::RvDisassembler::create();
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(rvjit::objdump::render_listing(*parsed, **d, {}, "fuzz").empty());
  }
  std::remove(path.c_str());
}

// Runs the binary; returns its exit status and puts stdout+stderr in *out.
int run_tool(const std::string& args, std::string* out) {
  std::string cmd = std::string(RVJIT_OBJDUMP_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) *out += buf;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(ObjdumpCli, ListsAGoodFileAndRejectsBadOnes) {
  const std::string path = write_dump("cli");
  std::string out;
  EXPECT_EQ(run_tool(path, &out), 0) << out;
  EXPECT_NE(out.find("<one_word_on>"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_tool("--no-bytes " + path, &out), 0) << out;
  EXPECT_EQ(out.find("00008067"), std::string::npos) << out;  // no raw words
  EXPECT_NE(squeeze(out).find("10410: ret"), std::string::npos) << out;

  auto cut = slurp(path);
  cut.resize(cut.size() - 3);  // the close record loses its tail
  spit(path, cut);
  out.clear();
  EXPECT_EQ(run_tool(path, &out), 1);
  EXPECT_NE(out.find("ParseError"), std::string::npos) << out;
  EXPECT_NE(out.find("record header truncated"), std::string::npos) << out;
  std::remove(path.c_str());

  out.clear();
  EXPECT_EQ(run_tool("/nonexistent-dir-rvjit/jit-1.dump", &out), 1);
  EXPECT_NE(out.find("cannot open"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_tool("", &out), 2);
  EXPECT_NE(out.find("usage"), std::string::npos) << out;
}

}  // namespace
