// build_gdb_jit_elf: the smallest ELF file gdb accepts as a JIT symbol file. Layout:
//   Ehdr | .symtab | .strtab | .shstrtab | section headers
// Section 1 (.text) is SHT_NOBITS: it only tells gdb "these addresses belong to this
// file", so the code is not copied. ET_EXEC with absolute symbol values, so gdb uses the
// addresses as they are instead of relocating the file.
#include <elf.h>

#include <cstring>
#include <string>

#include "rvjit/runtime/gdb_jit.h"
#include "rvjit/runtime/jitdump.h"

namespace rvjit {
namespace {

size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

template <class T>
void put(std::vector<uint8_t>& out, size_t off, const T& v) {
  std::memcpy(out.data() + off, &v, sizeof(T));
}

}  // namespace

Result<std::vector<uint8_t>> build_gdb_jit_elf(const char* name, uint64_t address,
                                                size_t size, uint16_t machine) {
  if (name == nullptr || *name == '\0')
    return Error(ErrorCode::kInvalidArgument, "gdb jit elf: function name is empty");
  if (size == 0)
    return Error(ErrorCode::kInvalidArgument,
                 std::string("gdb jit elf: function ") + name + " has size 0");

  // String tables: index 0 is the empty string in both.
  const std::string strtab = std::string("\0", 1) + name + '\0';
  const char shstrtab_data[] = "\0.text\0.symtab\0.strtab\0.shstrtab";  // + final NUL
  const std::string shstrtab(shstrtab_data, sizeof(shstrtab_data));
  enum : uint32_t { kNameText = 1, kNameSymtab = 7, kNameStrtab = 15, kNameShstrtab = 23 };
  enum : uint16_t { kShNull, kShText, kShSymtab, kShStrtab, kShShstrtab, kShCount };

  const size_t symtab_off = align_up(sizeof(Elf64_Ehdr), 8);
  const size_t symtab_size = 2 * sizeof(Elf64_Sym);  // the null symbol + the function
  const size_t strtab_off = symtab_off + symtab_size;
  const size_t shstrtab_off = strtab_off + strtab.size();
  const size_t shdr_off = align_up(shstrtab_off + shstrtab.size(), 8);
  std::vector<uint8_t> out(shdr_off + kShCount * sizeof(Elf64_Shdr), 0);

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;  // RV64 and x86-64 are both little-endian
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
  eh.e_type = ET_EXEC;
  eh.e_machine = machine ? machine : static_cast<Elf64_Half>(jitdump::native_elf_mach());
  eh.e_version = EV_CURRENT;
  if (eh.e_machine == jitdump::kEmRiscv) {
    // The psABI flags of an rv64gc lp64d process (RVC, double-float ABI), as in the main
    // executable, so gdb sees one consistent ABI.
    eh.e_flags = 0x1 /*EF_RISCV_RVC*/ | 0x4 /*EF_RISCV_FLOAT_ABI_DOUBLE*/;
  }
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shoff = shdr_off;
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = kShCount;
  eh.e_shstrndx = kShShstrtab;
  put(out, 0, eh);

  Elf64_Sym fn{};
  fn.st_name = 1;
  fn.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
  fn.st_other = STV_DEFAULT;
  fn.st_shndx = kShText;
  fn.st_value = address;
  fn.st_size = size;
  put(out, symtab_off + sizeof(Elf64_Sym), fn);
  std::memcpy(out.data() + strtab_off, strtab.data(), strtab.size());
  std::memcpy(out.data() + shstrtab_off, shstrtab.data(), shstrtab.size());

  Elf64_Shdr sh[kShCount]{};
  sh[kShText].sh_name = kNameText;
  sh[kShText].sh_type = SHT_NOBITS;
  sh[kShText].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
  sh[kShText].sh_addr = address;
  sh[kShText].sh_offset = symtab_off;  // NOBITS: occupies no file bytes
  sh[kShText].sh_size = size;
  sh[kShText].sh_addralign = 2;
  sh[kShSymtab].sh_name = kNameSymtab;
  sh[kShSymtab].sh_type = SHT_SYMTAB;
  sh[kShSymtab].sh_offset = symtab_off;
  sh[kShSymtab].sh_size = symtab_size;
  sh[kShSymtab].sh_link = kShStrtab;
  sh[kShSymtab].sh_info = 1;  // index of the first non-local symbol
  sh[kShSymtab].sh_addralign = 8;
  sh[kShSymtab].sh_entsize = sizeof(Elf64_Sym);
  sh[kShStrtab].sh_name = kNameStrtab;
  sh[kShStrtab].sh_type = SHT_STRTAB;
  sh[kShStrtab].sh_offset = strtab_off;
  sh[kShStrtab].sh_size = strtab.size();
  sh[kShStrtab].sh_addralign = 1;
  sh[kShShstrtab].sh_name = kNameShstrtab;
  sh[kShShstrtab].sh_type = SHT_STRTAB;
  sh[kShShstrtab].sh_offset = shstrtab_off;
  sh[kShShstrtab].sh_size = shstrtab.size();
  sh[kShShstrtab].sh_addralign = 1;
  std::memcpy(out.data() + shdr_off, sh, sizeof(sh));
  return out;
}

}  // namespace rvjit
