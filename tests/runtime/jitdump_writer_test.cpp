// JitdumpWriter: every record of the file, parsed back, must match the loads given (names,
// addresses, sizes, code bytes, indices), in perf's layout. parse_jitdump must reject
// truncated and corrupted files with a kParseError naming the offset.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/jitdump.h"

namespace {

using rvjit::CodeLoadEvent;
using rvjit::ErrorCode;
namespace jd = rvjit::jitdump;
namespace enc = rvjit::enc;

// Instruction words, encoded directly (the test is about the dump, not the encoder).
constexpr uint32_t addi(unsigned rd, unsigned rs1, int imm) {
  return enc::i_type(enc::kOpImm, 0, rd, rs1, imm);
}
constexpr uint32_t kRet = enc::i_type(enc::kOpJalr, 0, 0, 1, 0);
constexpr unsigned kA0 = 10;

std::string temp_path(const char* tag) {
  return "/tmp/rvjit-jitdump-" + std::to_string(getpid()) + "-" + tag + ".dump";
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool maps_mention(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

std::vector<uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

// Code placed in a W^X page: written RW, then RX (and run on RV64).
struct ExecCode {
  void* mem = nullptr;
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t size;
  explicit ExecCode(const std::vector<uint32_t>& words) : size(words.size() * 4) {
    mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    std::memcpy(mem, words.data(), size);
    mprotect(mem, page, PROT_READ | PROT_EXEC);
    rvjit::local_fence_i();
  }
  ~ExecCode() { munmap(mem, page); }
  uint64_t addr() const { return reinterpret_cast<uint64_t>(mem); }
};

TEST(Jitdump, DefaultPathHonoursJitdumpdir) {
  const std::string pid = std::to_string(getpid());
  unsetenv("JITDUMPDIR");
  EXPECT_EQ(rvjit::JitdumpWriter::default_path(), "/tmp/jit-" + pid + ".dump");
  setenv("JITDUMPDIR", "/var/tmp/x", 1);
  EXPECT_EQ(rvjit::JitdumpWriter::default_path(), "/var/tmp/x/jit-" + pid + ".dump");
  unsetenv("JITDUMPDIR");
}

TEST(Jitdump, RecordsParseBackAsGiven) {
  ExecCode c1({addi(kA0, 0, 42), kRet});
  ExecCode c2({addi(kA0, kA0, 1), addi(kA0, kA0, -3), enc::kNop, kRet});
  ASSERT_NE(c1.mem, MAP_FAILED);
  ASSERT_NE(c2.mem, MAP_FAILED);
#if defined(__riscv)
  EXPECT_EQ(reinterpret_cast<long (*)()>(c1.mem)(), 42);
  EXPECT_EQ(reinterpret_cast<long (*)(long)>(c2.mem)(10), 8);
#endif

  const std::string path = temp_path("records");
  const uint64_t t0 = now_ns();
  auto w = rvjit::JitdumpWriter::open(path);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  // perf needs the marker: the file's first page mapped executable while recording.
  EXPECT_TRUE(maps_mention(path));

  const uint32_t sites[] = {0};
  const CodeLoadEvent events[] = {
      {"answer", c1.addr(), c1.size, static_cast<const uint8_t*>(c1.mem), 7, sites, 1},
      {"inc_dec", c2.addr(), c2.size, static_cast<const uint8_t*>(c2.mem), 8, nullptr, 0},
      {"std::vector<int>::push_back", c1.addr() + 64, c1.size,
       static_cast<const uint8_t*>(c1.mem), 9, nullptr, 0},
  };
  for (const auto& e : events) (*w)->on_code_load(e);
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_FALSE(maps_mention(path));  // the marker goes with close()
  (*w)->on_code_load(events[0]);     // dropped: the file is closed
  const uint64_t t1 = now_ns();

  auto file = rvjit::read_jitdump_file(path);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  const auto& h = file->header;
  EXPECT_EQ(h.magic, 0x4A695444u);
  EXPECT_EQ(h.version, 1u);
  EXPECT_EQ(h.total_size, 40u);
#if defined(__riscv)
  EXPECT_EQ(h.elf_mach, 243u);  // EM_RISCV
#elif defined(__x86_64__)
  EXPECT_EQ(h.elf_mach, 62u);   // EM_X86_64
#endif
  EXPECT_EQ(h.pid, static_cast<uint32_t>(getpid()));
  EXPECT_EQ(h.flags, 0u);
  EXPECT_GE(h.timestamp, t0);
  EXPECT_TRUE(file->closed);
  EXPECT_EQ(file->skipped_records, 0u);

  ASSERT_EQ(file->loads.size(), 3u);
  uint64_t prev_ts = h.timestamp;
  uint64_t expect_off = 40;
  for (size_t i = 0; i < 3; ++i) {
    const auto& r = file->loads[i];
    const auto& e = events[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(r.file_offset, expect_off);
    EXPECT_EQ(r.name, e.name);
    EXPECT_EQ(r.code_addr, e.address);
    EXPECT_EQ(r.vma, e.address);
    EXPECT_EQ(r.code_index, e.code_index);
    EXPECT_EQ(r.pid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(r.tid, static_cast<uint32_t>(syscall(SYS_gettid)));
    ASSERT_EQ(r.code.size(), e.size);
    EXPECT_EQ(0, std::memcmp(r.code.data(), e.bytes, e.size));
    EXPECT_GE(r.timestamp, prev_ts);  // CLOCK_MONOTONIC never goes back
    EXPECT_LE(r.timestamp, t1);
    prev_ts = r.timestamp;
    expect_off += 16 + 40 + std::strlen(e.name) + 1 + e.size;
  }
  // The close record is the last 16 bytes: id 3, total_size 16.
  auto bytes = slurp(path);
  ASSERT_EQ(bytes.size(), expect_off + 16);
  jd::RecordHeader close_rec;
  std::memcpy(&close_rec, bytes.data() + expect_off, sizeof(close_rec));
  EXPECT_EQ(close_rec.id, 3u);
  EXPECT_EQ(close_rec.total_size, 16u);
  std::remove(path.c_str());
}

// Installs happen on many threads: records must never interleave.
TEST(Jitdump, ConcurrentLoadsStayWholeRecords) {
  const std::string path = temp_path("threads");
  auto w = rvjit::JitdumpWriter::open(path);
  ASSERT_TRUE(w.ok());
  constexpr int kThreads = 4, kPerThread = 150;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t index = static_cast<uint64_t>(t * kPerThread + i);
        // Code bytes and name derived from the index, so each record can be checked.
        std::vector<uint32_t> code(1 + index % 7, addi(kA0, kA0, static_cast<int>(index % 2000)));
        std::string name = "fn_" + std::to_string(index);
        (*w)->on_code_load({name.c_str(), 0x100000 + index * 64, code.size() * 4,
                            reinterpret_cast<const uint8_t*>(code.data()), index, nullptr, 0});
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*w)->close().ok());
  auto file = rvjit::read_jitdump_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_EQ(file->loads.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<bool> seen(kThreads * kPerThread, false);
  for (const auto& r : file->loads) {
    ASSERT_LT(r.code_index, seen.size());
    EXPECT_FALSE(seen[r.code_index]);
    seen[r.code_index] = true;
    EXPECT_EQ(r.name, "fn_" + std::to_string(r.code_index));
    EXPECT_EQ(r.code_addr, 0x100000 + r.code_index * 64);
    ASSERT_EQ(r.code.size(), (1 + r.code_index % 7) * 4);
    uint32_t word;
    std::memcpy(&word, r.code.data() + r.code.size() - 4, 4);
    EXPECT_EQ(word, addi(kA0, kA0, static_cast<int>(r.code_index % 2000)));
  }
  EXPECT_TRUE(file->closed);
}

TEST(Jitdump, UncreatableFileIsASystemError) {
  auto w = rvjit::JitdumpWriter::open("/nonexistent-dir-rvjit/jit-1.dump");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), ErrorCode::kSystemError);
}

// A valid two-function image, built with the writer, for the malformed-input tests.
std::vector<uint8_t> sample_image() {
  const std::string path = temp_path("sample");
  const uint8_t code1[] = {0x13, 0x05, 0xa0, 0x02, 0x67, 0x80, 0x00, 0x00};
  const uint8_t code2[] = {0x67, 0x80, 0x00, 0x00};
  {
    auto w = rvjit::JitdumpWriter::open(path);
    EXPECT_TRUE(w.ok());
    if (!w.ok()) return {};
    (*w)->on_code_load({"f", 0x1000, sizeof(code1), code1, 1, nullptr, 0});
    (*w)->on_code_load({"g", 0x2000, sizeof(code2), code2, 2, nullptr, 0});
  }  // the destructor closes
  auto bytes = slurp(path);
  std::remove(path.c_str());
  return bytes;
}

bool is_parse_error_with_offset(const rvjit::Result<rvjit::JitdumpFile>& r, std::string* msg) {
  if (r.ok()) return false;
  *msg = r.error().message();
  return r.error().code() == ErrorCode::kParseError &&
         msg->find("offset ") != std::string::npos;
}

TEST(JitdumpParse, EveryTruncationIsAnErrorOrAWholeRecordPrefix) {
  auto img = sample_image();
  const size_t rec1 = 40, rec2 = rec1 + 16 + 40 + 2 + 8, close = rec2 + 16 + 40 + 2 + 4;
  ASSERT_EQ(img.size(), close + 16);
  for (size_t n = 0; n < img.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    std::vector<uint8_t> cut(img.begin(), img.begin() + static_cast<long>(n));
    auto r = rvjit::parse_jitdump(cut.data(), cut.size());
    if (n == rec1 || n == rec2 || n == close) {
      ASSERT_TRUE(r.ok()) << r.error().to_string();  // cut at a record boundary
      EXPECT_EQ(r->loads.size(), n == rec1 ? 0u : n == rec2 ? 1u : 2u);
      EXPECT_FALSE(r->closed);
    } else {
      std::string msg;
      EXPECT_TRUE(is_parse_error_with_offset(r, &msg)) << msg;
    }
  }
  auto whole = rvjit::parse_jitdump(img.data(), img.size());
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->closed);
}

TEST(JitdumpParse, CorruptionsNameTheOffset) {
  auto img = sample_image();
  ASSERT_FALSE(img.empty());
  const size_t rec2 = 40 + 16 + 40 + 2 + 8;
  struct Case {
    const char* what;
    size_t at;
    std::vector<uint8_t> bytes;
    const char* expect;
  };
  const Case cases[] = {
      {"bad magic", 0, {'E', 'L', 'F', 0}, "offset 0: bad magic"},
      {"other endianness", 0, {0x4A, 0x69, 0x54, 0x44}, "offset 0: file of the other byte order"},
      {"version 2", 4, {2, 0, 0, 0}, "offset 4: unsupported version 2"},
      {"header size 8", 8, {8, 0, 0, 0}, "offset 8: header size 8"},
      {"record too small", 40 + 4, {4, 0, 0, 0}, "offset 40: record size 4 too small"},
      {"record past end", rec2 + 4, {0xff, 0xff, 0, 0}, "offset 106: record of 65535 bytes"},
      {"code size mismatch", 40 + 16 + 24, {9, 0, 0, 0, 0, 0, 0, 0},
       "offset 40: code size 9 does not match"},
      // Name "f\0" replaced by "ff" and the code by non-zero bytes: no NUL in the record.
      {"name without NUL", 40 + 56, {'f', 'f', 1, 1, 1, 1, 1, 1, 1, 1},
       "offset 96: function name is not NUL-terminated"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto bad = img;
    std::memcpy(bad.data() + c.at, c.bytes.data(), c.bytes.size());
    auto r = rvjit::parse_jitdump(bad.data(), bad.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kParseError);
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
}

TEST(JitdumpParse, UnknownRecordsAreSkipped) {
  auto img = sample_image();
  ASSERT_FALSE(img.empty());
  // Insert a 24-byte record of id 2 (debug info) after the header, as other JITs write.
  std::vector<uint8_t> rec(24, 0);
  jd::RecordHeader rh{jd::kCodeDebugInfo, 24, 5};
  std::memcpy(rec.data(), &rh, sizeof(rh));
  img.insert(img.begin() + 40, rec.begin(), rec.end());
  auto r = rvjit::parse_jitdump(img.data(), img.size());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->skipped_records, 1u);
  ASSERT_EQ(r->loads.size(), 2u);
  EXPECT_EQ(r->loads[1].name, "g");
  EXPECT_EQ(r->loads[1].code_addr, 0x2000u);
}

TEST(JitdumpParse, MissingFileIsASystemError) {
  auto r = rvjit::read_jitdump_file("/nonexistent-dir-rvjit/jit-1.dump");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kSystemError);
}

}  // namespace
