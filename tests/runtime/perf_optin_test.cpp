// RVJIT_PERF_MAP / RVJIT_JITDUMP / RVJIT_GDB_JIT (code_cache.h): CodeCache::create()
// attaches the process-wide perf map writer, jitdump writer and GDB JIT registrar the
// environment asks for, so installing functions through the cache -- with no listener
// code in the program -- produces a perf map line, a JIT_CODE_LOAD record and a gdb
// registration for each of them. ctest sets the variables (perf_optin.cmake); run by
// hand, the test sets them itself before the first create().
#include <gtest/gtest.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/gdb_jit.h"
#include "rvjit/runtime/jitdump.h"
#include "rvjit/runtime/perf_map.h"

namespace {

using namespace rvjit;

struct MapLine {
  uint64_t start;
  uint64_t size;
  std::string name;
};

// `<start-hex> <size-hex> <name>` per line, as perf reads them.
std::vector<MapLine> read_map(const std::string& path) {
  std::vector<MapLine> out;
  std::ifstream in(path);
  std::string text;
  while (std::getline(in, text)) {
    MapLine l{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%" SCNx64 " %" SCNx64 " %n", &l.start, &l.size, &consumed) !=
        2) {
      ADD_FAILURE() << "malformed perf map line: " << text;
      continue;
    }
    l.name = text.substr(static_cast<size_t>(consumed));
    out.push_back(l);
  }
  return out;
}

const MapLine* find_line(const std::vector<MapLine>& lines, const std::string& name) {
  const MapLine* found = nullptr;
  for (const MapLine& l : lines)
    if (l.name == name) found = &l;  // perf uses the last matching line
  return found;
}

const JitdumpCodeLoad* find_load(const JitdumpFile& f, const std::string& name) {
  for (const JitdumpCodeLoad& l : f.loads)
    if (l.name == name) return &l;
  return nullptr;
}

// Whether gdb's JIT list holds a symbol file naming `name` at `address` (the in-memory
// ELF's .strtab carries the name; its .text section header the address).
bool gdb_lists(const std::string& name, uint64_t address) {
  for (const jit_code_entry* e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) {
    const std::string file(e->symfile_addr, e->symfile_size);
    const std::string key = std::string(1, '\0') + name + std::string(1, '\0');
    if (file.find(key) == std::string::npos) continue;
    const std::string addr(reinterpret_cast<const char*>(&address), sizeof address);
    if (file.find(addr) != std::string::npos) return true;
  }
  return false;
}

// f(x) = x * k + 1, a few instructions so the jitdump record carries real bytes.
AssembledCode mul_add(int k) {
  Assembler a;
  a.li(reg::t0, k);
  a.mul(reg::a0, reg::a0, reg::t0);
  a.addi(reg::a0, reg::a0, 1);
  a.ret();
  auto code = a.finalize();
  EXPECT_TRUE(code.ok()) << code.error().to_string();
  return code.ok() ? *code : AssembledCode{};
}

class PerfOptIn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Under ctest these come from perf_optin.cmake; by hand, turn them on here.
    setenv("RVJIT_PERF_MAP", "1", 0);
    setenv("RVJIT_JITDUMP", "1", 0);
    setenv("RVJIT_GDB_JIT", "1", 0);
    setenv("JITDUMPDIR", "/tmp", 0);
    std::remove(PerfMapWriter::default_path().c_str());
    std::remove(JitdumpWriter::default_path().c_str());
  }
  static void TearDownTestSuite() {
    // The process-wide writers stay open until exit; unlinking their files is fine.
    std::remove(PerfMapWriter::default_path().c_str());
    std::remove(JitdumpWriter::default_path().c_str());
  }
};

TEST_F(PerfOptIn, InstalledFunctionsAppearInPerfMapJitdumpAndGdb) {
  ASSERT_STREQ(std::getenv("RVJIT_PERF_MAP"), "1");
  const std::string dump_path = JitdumpWriter::default_path();
  EXPECT_EQ(dump_path, std::string(std::getenv("JITDUMPDIR")) + "/jit-" +
                           std::to_string(getpid()) + ".dump");

  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  const std::vector<std::string> names = {"optin_times3", "optin_times7", "Vm::call<int>(x)"};
  std::vector<InstalledCode> fns;
  std::vector<AssembledCode> codes;
  for (size_t i = 0; i < names.size(); ++i) {
    codes.push_back(mul_add(3 + 4 * static_cast<int>(i)));
    auto f = (*cache)->install(codes.back(), names[i]);
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_EQ(f->as<long (*)(long)>()(10), 10 * (3 + 4 * static_cast<long>(i)) + 1);
    fns.push_back(*f);
  }

  // perf map: one line per function, its address, size and name.
  const auto lines = read_map(PerfMapWriter::default_path());
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const MapLine* l = find_line(lines, names[i]);
    ASSERT_NE(l, nullptr) << "no line in " << PerfMapWriter::default_path();
    EXPECT_EQ(l->start, fns[i].entry);
    EXPECT_EQ(l->size, fns[i].size);
  }

  // jitdump: a JIT_CODE_LOAD per function, with the installed bytes.
  auto dump = read_jitdump_file(dump_path);
  ASSERT_TRUE(dump.ok()) << dump.error().to_string();
  EXPECT_EQ(dump->header.elf_mach, jitdump::kEmRiscv);
  EXPECT_EQ(dump->header.pid, static_cast<uint32_t>(getpid()));
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const JitdumpCodeLoad* l = find_load(*dump, names[i]);
    ASSERT_NE(l, nullptr) << "no JIT_CODE_LOAD in " << dump_path;
    EXPECT_EQ(l->code_addr, fns[i].entry);
    EXPECT_EQ(l->vma, fns[i].entry);
    EXPECT_EQ(l->code_index, fns[i].handle.id);
    EXPECT_EQ(l->code, codes[i].code);
  }

  // gdb: registered while live, unregistered on release.
  for (size_t i = 0; i < names.size(); ++i)
    EXPECT_TRUE(gdb_lists(names[i], fns[i].entry)) << names[i];
  ASSERT_TRUE((*cache)->release(fns[0].handle).ok());
  EXPECT_FALSE(gdb_lists(names[0], fns[0].entry));
  EXPECT_TRUE(gdb_lists(names[1], fns[1].entry));
}

TEST_F(PerfOptIn, SecondCacheSharesTheWriters) {
  auto a = CodeCache::create();
  auto b = CodeCache::create();
  ASSERT_TRUE(a.ok() && b.ok());
  auto fa = (*a)->install(mul_add(2), "optin_cache_a");
  auto fb = (*b)->install(mul_add(5), "optin_cache_b");
  ASSERT_TRUE(fa.ok() && fb.ok());
  const auto lines = read_map(PerfMapWriter::default_path());
  ASSERT_NE(find_line(lines, "optin_cache_a"), nullptr);
  ASSERT_NE(find_line(lines, "optin_cache_b"), nullptr);
  EXPECT_EQ(find_line(lines, "optin_cache_b")->start, fb->entry);
  auto dump = read_jitdump_file(JitdumpWriter::default_path());
  ASSERT_TRUE(dump.ok()) << dump.error().to_string();
  EXPECT_NE(find_load(*dump, "optin_cache_a"), nullptr);
  EXPECT_NE(find_load(*dump, "optin_cache_b"), nullptr);
  // Both caches append to the one file: no second header, every earlier record kept.
  EXPECT_NE(find_load(*dump, "optin_times3"), nullptr);
}

TEST_F(PerfOptIn, CacheCreatedWithoutTheVariablesReportsNothing) {
  unsetenv("RVJIT_PERF_MAP");
  unsetenv("RVJIT_JITDUMP");
  setenv("RVJIT_GDB_JIT", "0", 1);  // only exactly "1" turns it on
  auto cache = CodeCache::create();
  setenv("RVJIT_PERF_MAP", "1", 1);
  setenv("RVJIT_JITDUMP", "1", 1);
  setenv("RVJIT_GDB_JIT", "1", 1);
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  auto f = (*cache)->install(mul_add(9), "optin_quiet");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(f->as<long (*)(long)>()(2), 19);
  EXPECT_EQ(find_line(read_map(PerfMapWriter::default_path()), "optin_quiet"), nullptr);
  auto dump = read_jitdump_file(JitdumpWriter::default_path());
  ASSERT_TRUE(dump.ok()) << dump.error().to_string();
  EXPECT_EQ(find_load(*dump, "optin_quiet"), nullptr);
  EXPECT_FALSE(gdb_lists("optin_quiet", f->entry));
}

}  // namespace
