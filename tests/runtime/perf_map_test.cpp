// PerfMapWriter: the file read back line by line must describe exactly the loads given.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/perf_map.h"

namespace {

using rvjit::CodeLoadEvent;
namespace enc = rvjit::enc;

struct Line {
  uint64_t start;
  uint64_t size;
  std::string name;
};

// Parses `<start-hex> <size-hex> <name>` lines strictly (lowercase hex, no 0x prefix).
std::vector<Line> read_map(const std::string& path) {
  std::vector<Line> out;
  std::ifstream in(path);
  std::string text;
  while (std::getline(in, text)) {
    Line l{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%" SCNx64 " %" SCNx64 " %n", &l.start, &l.size,
                    &consumed) != 2) {
      ADD_FAILURE() << "malformed line: " << text;
      continue;
    }
    l.name = text.substr(static_cast<size_t>(consumed));
    out.push_back(l);
  }
  return out;
}

std::string temp_path(const char* tag) {
  return "/tmp/rvjit-perfmap-" + std::to_string(getpid()) + "-" + tag + ".map";
}

TEST(PerfMap, DefaultPathIsPerfsConvention) {
  EXPECT_EQ(rvjit::PerfMapWriter::default_path(),
            "/tmp/perf-" + std::to_string(getpid()) + ".map");
}

TEST(PerfMap, WritesOneLinePerLoad) {
  const std::string path = temp_path("lines");
  std::remove(path.c_str());
  auto map = rvjit::PerfMapWriter::open(path);
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  EXPECT_EQ((*map)->path(), path);

  // addi a0, zero, 7; ret (encoded directly: this test is about the map, not the encoder)
  const uint32_t code[] = {enc::i_type(enc::kOpImm, 0, 10, 0, 7),
                           enc::i_type(enc::kOpJalr, 0, 0, 1, 0)};
  const auto* bytes = reinterpret_cast<const uint8_t*>(code);

  const CodeLoadEvent events[] = {
      {"jit_add", 0x7f0012345000, sizeof(code), bytes, 1, nullptr, 0},
      {"Lua::call<int>(x)", 0x10000, 0x1234, nullptr, 2, nullptr, 0},
      {"two\nlines", 0xabcdef, 4, nullptr, 3, nullptr, 0},
  };
  for (const auto& e : events) (*map)->on_code_load(e);
  (*map)->on_code_release({"jit_add", 0x7f0012345000, sizeof(code), 1});  // writes nothing
  EXPECT_TRUE((*map)->last_error().ok());

  auto lines = read_map(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].start, 0x7f0012345000u);
  EXPECT_EQ(lines[0].size, 8u);
  EXPECT_EQ(lines[0].name, "jit_add");
  EXPECT_EQ(lines[1].start, 0x10000u);
  EXPECT_EQ(lines[1].size, 0x1234u);
  EXPECT_EQ(lines[1].name, "Lua::call<int>(x)");  // spaces and punctuation kept
  EXPECT_EQ(lines[2].name, "two");                // cut at the newline: one record a line
  std::remove(path.c_str());
}

TEST(PerfMap, AppendsToAnExistingMap) {
  const std::string path = temp_path("append");
  std::remove(path.c_str());
  {
    auto m = rvjit::PerfMapWriter::open(path);
    ASSERT_TRUE(m.ok());
    (*m)->on_code_load({"first", 0x1000, 16, nullptr, 1, nullptr, 0});
  }
  {
    auto m = rvjit::PerfMapWriter::open(path);
    ASSERT_TRUE(m.ok());
    (*m)->on_code_load({"second", 0x2000, 32, nullptr, 2, nullptr, 0});
  }
  auto lines = read_map(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].name, "first");
  EXPECT_EQ(lines[1].name, "second");
  EXPECT_EQ(lines[1].start, 0x2000u);
  EXPECT_EQ(lines[1].size, 0x20u);
  std::remove(path.c_str());
}

// Loads arrive from many threads: every line must stay whole.
TEST(PerfMap, ConcurrentLoadsGiveWholeLines) {
  const std::string path = temp_path("threads");
  std::remove(path.c_str());
  auto map = rvjit::PerfMapWriter::open(path);
  ASSERT_TRUE(map.ok());
  constexpr int kThreads = 4, kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t n = static_cast<uint64_t>(t * kPerThread + i);
        std::string name = "thread_fn_" + std::to_string(n);
        (*map)->on_code_load({name.c_str(), 0x40000000 + n * 16, 16 + n, nullptr, n, nullptr, 0});
      }
    });
  }
  for (auto& th : threads) th.join();
  auto lines = read_map(path);
  std::remove(path.c_str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<uint64_t> seen;
  for (const auto& l : lines) {
    uint64_t n = (l.start - 0x40000000) / 16;
    EXPECT_EQ(l.name, "thread_fn_" + std::to_string(n));
    EXPECT_EQ(l.size, 16 + n);
    EXPECT_TRUE(seen.insert(n).second);
  }
}

TEST(PerfMap, UnwritablePathIsASystemError) {
  auto m = rvjit::PerfMapWriter::open("/nonexistent-dir-rvjit/perf-1.map");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), rvjit::ErrorCode::kSystemError);
  EXPECT_NE(m.error().message().find("/nonexistent-dir-rvjit/perf-1.map"), std::string::npos);
}

}  // namespace
