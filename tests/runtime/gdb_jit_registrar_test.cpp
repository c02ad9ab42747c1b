// GdbJitRegistrar and build_gdb_jit_elf: the symbol file is a well-formed ELF naming the
// function at its address (checked field by field, and on the host by readelf), and the
// descriptor list gdb walks stays consistent through loads and releases.
#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/runtime/gdb_jit.h"

namespace {

using rvjit::ErrorCode;

template <class T>
T at(const std::vector<uint8_t>& elf, size_t off) {
  T v;
  EXPECT_LE(off + sizeof(T), elf.size());
  std::memcpy(&v, elf.data() + off, sizeof(T));
  return v;
}

struct ParsedElf {
  Elf64_Ehdr eh;
  std::vector<Elf64_Shdr> sh;
  std::vector<std::string> section_names;
  std::vector<Elf64_Sym> syms;
  std::vector<std::string> sym_names;
};

// Reads the symbol file back with bounds checks (an out-of-range field fails the test).
ParsedElf parse(const std::vector<uint8_t>& elf) {
  ParsedElf p{};
  p.eh = at<Elf64_Ehdr>(elf, 0);
  for (unsigned i = 0; i < p.eh.e_shnum; ++i)
    p.sh.push_back(at<Elf64_Shdr>(elf, p.eh.e_shoff + i * sizeof(Elf64_Shdr)));
  auto str = [&](const Elf64_Shdr& tab, uint32_t idx) {
    EXPECT_LT(idx, tab.sh_size);
    if (idx >= tab.sh_size || tab.sh_offset + tab.sh_size > elf.size()) return std::string();
    const char* s = reinterpret_cast<const char*>(elf.data() + tab.sh_offset + idx);
    return std::string(s, strnlen(s, tab.sh_size - idx));
  };
  if (p.eh.e_shstrndx >= p.sh.size()) return p;
  for (const auto& s : p.sh) p.section_names.push_back(str(p.sh[p.eh.e_shstrndx], s.sh_name));
  for (const auto& s : p.sh) {
    if (s.sh_type != SHT_SYMTAB) continue;
    for (size_t o = 0; o + sizeof(Elf64_Sym) <= s.sh_size; o += sizeof(Elf64_Sym)) {
      p.syms.push_back(at<Elf64_Sym>(elf, s.sh_offset + o));
      p.sym_names.push_back(str(p.sh.at(s.sh_link), p.syms.back().st_name));
    }
  }
  return p;
}

TEST(GdbJitElf, DescribesTheFunction) {
  const uint64_t addr = 0x3fd0001000;
  auto elf = rvjit::build_gdb_jit_elf("jit_fn", addr, 36);
  ASSERT_TRUE(elf.ok()) << elf.error().to_string();
  ParsedElf p = parse(*elf);
  EXPECT_EQ(0, std::memcmp(p.eh.e_ident, ELFMAG, SELFMAG));
  EXPECT_EQ(p.eh.e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(p.eh.e_ident[EI_DATA], ELFDATA2LSB);
  EXPECT_EQ(p.eh.e_type, ET_EXEC);
#if defined(__riscv)
  EXPECT_EQ(p.eh.e_machine, EM_RISCV);
#elif defined(__x86_64__)
  EXPECT_EQ(p.eh.e_machine, EM_X86_64);
#endif
  ASSERT_EQ(p.section_names.size(), 5u);
  EXPECT_EQ(p.section_names[1], ".text");
  EXPECT_EQ(p.section_names[2], ".symtab");
  EXPECT_EQ(p.section_names[3], ".strtab");
  EXPECT_EQ(p.section_names[4], ".shstrtab");
  EXPECT_EQ(p.sh[1].sh_type, static_cast<uint32_t>(SHT_NOBITS));
  EXPECT_EQ(p.sh[1].sh_flags, static_cast<uint64_t>(SHF_ALLOC | SHF_EXECINSTR));
  EXPECT_EQ(p.sh[1].sh_addr, addr);
  EXPECT_EQ(p.sh[1].sh_size, 36u);
  ASSERT_EQ(p.syms.size(), 2u);
  EXPECT_EQ(p.sym_names[1], "jit_fn");
  EXPECT_EQ(p.syms[1].st_value, addr);
  EXPECT_EQ(p.syms[1].st_size, 36u);
  EXPECT_EQ(ELF64_ST_TYPE(p.syms[1].st_info), STT_FUNC);
  EXPECT_EQ(ELF64_ST_BIND(p.syms[1].st_info), STB_GLOBAL);
  EXPECT_EQ(p.syms[1].st_shndx, 1);
}

TEST(GdbJitElf, RejectsNamelessAndEmptyFunctions) {
  auto a = rvjit::build_gdb_jit_elf("", 0x1000, 4);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code(), ErrorCode::kInvalidArgument);
  auto b = rvjit::build_gdb_jit_elf(nullptr, 0x1000, 4);
  ASSERT_FALSE(b.ok());
  auto c = rvjit::build_gdb_jit_elf("f", 0x1000, 0);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("size 0"), std::string::npos);
}

#if defined(RVJIT_READELF)
// The file as binutils sees it: an RV64 symbol file with no warnings.
TEST(GdbJitElf, ReadelfAcceptsTheRiscvFile) {
  auto elf = rvjit::build_gdb_jit_elf("rvjit_jit_answer", 0x3fd0001000, 0x28, EM_RISCV);
  ASSERT_TRUE(elf.ok());
  const std::string path = "/tmp/rvjit-gdbjit-" + std::to_string(getpid()) + ".elf";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(elf->data(), 1, elf->size(), f), elf->size());
  std::fclose(f);
  std::string cmd = std::string(RVJIT_READELF) + " -W -h -S -s " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) out += buf;
  int status = pclose(p);
  std::remove(path.c_str());
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("arning"), std::string::npos) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
  EXPECT_NE(out.find("RISC-V"), std::string::npos) << out;
  EXPECT_NE(out.find("EXEC"), std::string::npos) << out;
  EXPECT_NE(out.find("RVC, double-float ABI"), std::string::npos) << out;
  // Section and symbol lines, whitespace-insensitive.
  auto squeeze = [](const std::string& s) {
    std::string r;
    for (char ch : s)
      if (!(ch == ' ' && !r.empty() && r.back() == ' ')) r += ch;
    return r;
  };
  const std::string sq = squeeze(out);
  EXPECT_NE(sq.find(".text NOBITS 0000003fd0001000"), std::string::npos) << out;
  EXPECT_NE(sq.find("0000003fd0001000 40 FUNC GLOBAL DEFAULT 1 rvjit_jit_answer"),
            std::string::npos)
      << out;
}
#endif

// Walks gdb's list from the descriptor, checking the back links on the way.
std::vector<std::string> list_names() {
  std::vector<std::string> names;
  const jit_code_entry* prev = nullptr;
  for (const jit_code_entry* e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) {
    EXPECT_EQ(e->prev_entry, prev);
    std::vector<uint8_t> elf(e->symfile_addr, e->symfile_addr + e->symfile_size);
    ParsedElf p = parse(elf);
    names.push_back(p.sym_names.size() == 2 ? p.sym_names[1] : "?");
    prev = e;
  }
  return names;
}

TEST(GdbJitRegistrar, KeepsTheDescriptorListConsistent) {
  EXPECT_EQ(__jit_debug_descriptor.version, 1u);
  ASSERT_EQ(__jit_debug_descriptor.first_entry, nullptr);
  {
    rvjit::GdbJitRegistrar reg;
    reg.on_code_load({"alpha", 0x10000, 16, nullptr, 1, nullptr, 0});
    reg.on_code_load({"beta", 0x20000, 32, nullptr, 2, nullptr, 0});
    reg.on_code_load({"gamma", 0x30000, 8, nullptr, 3, nullptr, 0});
    EXPECT_TRUE(reg.last_error().ok()) << reg.last_error().to_string();
    EXPECT_EQ(reg.registered_count(), 3u);
    EXPECT_EQ(list_names(), (std::vector<std::string>{"gamma", "beta", "alpha"}));
    // Between notifications the descriptor says "nothing to do".
    EXPECT_EQ(__jit_debug_descriptor.action_flag, static_cast<uint32_t>(JIT_NOACTION));
    EXPECT_EQ(__jit_debug_descriptor.relevant_entry, nullptr);

    reg.on_code_release({"beta", 0x20000, 32, 2});
    EXPECT_EQ(list_names(), (std::vector<std::string>{"gamma", "alpha"}));
    reg.on_code_release({"gamma", 0x30000, 8, 3});  // the head
    EXPECT_EQ(list_names(), (std::vector<std::string>{"alpha"}));
    reg.on_code_release({"nobody", 0x40000, 8, 99});  // unknown: ignored
    EXPECT_EQ(reg.registered_count(), 1u);

    reg.on_code_load({"alpha2", 0x50000, 8, nullptr, 1, nullptr, 0});  // index reused
    EXPECT_EQ(reg.last_error().code(), ErrorCode::kInvalidArgument);
    reg.on_code_load({"", 0x60000, 8, nullptr, 4, nullptr, 0});
    EXPECT_EQ(reg.registered_count(), 1u);
    EXPECT_EQ(list_names(), (std::vector<std::string>{"alpha"}));
  }
  // The destructor unregisters what is left.
  EXPECT_EQ(__jit_debug_descriptor.first_entry, nullptr);
}

TEST(GdbJitRegistrar, TwoRegistrarsShareOneList) {
  rvjit::GdbJitRegistrar a, b;
  a.on_code_load({"from_a", 0x1000, 4, nullptr, 1, nullptr, 0});
  b.on_code_load({"from_b", 0x2000, 4, nullptr, 1, nullptr, 0});
  EXPECT_EQ(list_names(), (std::vector<std::string>{"from_b", "from_a"}));
  a.on_code_release({"from_a", 0x1000, 4, 1});
  EXPECT_EQ(list_names(), (std::vector<std::string>{"from_b"}));
}

// Loads and releases from several threads: the list stays well-formed and ends empty.
TEST(GdbJitRegistrar, ConcurrentLoadsAndReleases) {
  rvjit::GdbJitRegistrar reg;
  constexpr int kThreads = 4, kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t n = static_cast<uint64_t>(t * kPerThread + i);
        std::string name = "f" + std::to_string(n);
        reg.on_code_load({name.c_str(), 0x1000 + n * 8, 8, nullptr, n, nullptr, 0});
        if (i % 2) reg.on_code_release({name.c_str(), 0x1000 + n * 8, 8, n});
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(reg.last_error().ok()) << reg.last_error().to_string();
  EXPECT_EQ(reg.registered_count(), static_cast<size_t>(kThreads * kPerThread / 2));
  auto names = list_names();  // also checks every back link
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread / 2));
  for (const auto& n : names) EXPECT_EQ(std::stoi(n.substr(1)) % 2, 0) << n;
}

}  // namespace
