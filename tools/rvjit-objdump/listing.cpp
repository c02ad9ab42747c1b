// render_listing: two passes per function. The first decodes every instruction and
// collects in-function targets (they become .Ln labels); the second prints.
#include "listing.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

namespace rvjit::objdump {
namespace {

constexpr uint32_t kNop = 0x00000013;
constexpr uint32_t kJumpOver8 = 0x0080006f;  // j .+8: a disabled two_word site
constexpr unsigned kT0 = 5;

uint32_t read32(const uint8_t* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}
unsigned rd_of(uint32_t w) { return (w >> 7) & 31; }
unsigned rs1_of(uint32_t w) { return (w >> 15) & 31; }
int64_t i_imm(uint32_t w) { return static_cast<int32_t>(w) >> 20; }
int64_t u_imm(uint32_t w) { return static_cast<int32_t>(w & 0xfffff000u); }
int64_t j_imm(uint32_t w) {
  uint32_t imm = (((w >> 31) & 1) << 20) | (((w >> 12) & 0xff) << 12) |
                 (((w >> 20) & 1) << 11) | (((w >> 21) & 0x3ff) << 1);
  return static_cast<int32_t>(imm << 11) >> 11;
}

const char* machine_name(uint32_t em) {
  switch (em) {
    case jitdump::kEmRiscv: return "RISC-V";
    case jitdump::kEmX86_64: return "x86-64";
    case jitdump::kEmAarch64: return "AArch64";
    default: return "unknown";
  }
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof(b), "0x%" PRIx64, v);
  return b;
}

// `<name>` or `<name+0xoff>` for an address inside a load, preferring the newest load at
// or before `upto` (the code that was there when function `upto` was loaded).
std::string symbolize(const JitdumpFile& f, size_t upto, uint64_t addr) {
  const JitdumpCodeLoad* best = nullptr;
  for (size_t i = 0; i < f.loads.size(); ++i) {
    const auto& l = f.loads[i];
    if (addr < l.code_addr || addr - l.code_addr >= l.code.size()) continue;
    if (i <= upto || best == nullptr) best = &l;
  }
  if (!best) return "";
  uint64_t off = addr - best->code_addr;
  return "<" + best->name + (off ? "+" + hex(off) : "") + ">";
}

}  // namespace

EntrySite detect_entry_site(const uint8_t* code, size_t size, uint64_t address) {
  EntrySite s;
  if (size < 4) return s;
  const uint32_t w0 = read32(code);
  if (size >= 8) {
    const uint32_t w1 = read32(code + 4);
    const bool auipc_t0 = (w0 & 0x7f) == 0x17 && rd_of(w0) == kT0;
    const bool jalr_t0 = (w1 & 0x707f) == 0x67 && rd_of(w1) == kT0 && rs1_of(w1) == kT0;
    // Disabled: `j .+8` over a `nop` (never enabled) or the site's fixed `jalr`; `nop; nop`
    // in dumps of builds before the one-word toggle.
    if (w0 == kJumpOver8 && (w1 == kNop || jalr_t0)) return {EntrySite::kTwoWord, false, 0, 8};
    if (w0 == kNop && w1 == kNop) return {EntrySite::kTwoWord, false, 0, 8};
    if (auipc_t0 && jalr_t0)
      return {EntrySite::kTwoWord, true, address + u_imm(w0) + i_imm(w1), 8};
  }
  if ((w0 & 0x7f) == 0x6f && rd_of(w0) == kT0)
    return {EntrySite::kOneWord, true, address + j_imm(w0), 4};
  if (w0 == kNop) return {EntrySite::kOneWord, false, 0, 4};
  return s;
}

std::string render_listing(const JitdumpFile& file, const RvDisassembler& disasm,
                           const ListingOptions& options, const std::string& source) {
  std::string out;
  char line[160];
  const auto& h = file.header;
  std::snprintf(line, sizeof(line), "# %s: pid %u, elf_mach %u (%s), %zu functions%s\n",
                source.c_str(), h.pid, h.elf_mach, machine_name(h.elf_mach),
                file.loads.size(), file.closed ? "" : ", no close record");
  out += line;
  if (h.elf_mach != jitdump::kEmRiscv)
    out += "# note: written by a non-RISC-V process; code disassembled as RV64 anyway\n";

  for (size_t fi = 0; fi < file.loads.size(); ++fi) {
    const JitdumpCodeLoad& fn = file.loads[fi];
    const uint8_t* code = fn.code.data();
    const size_t size = fn.code.size();
    std::snprintf(line, sizeof(line),
                  "\n%016" PRIx64 " <%s>: %zu bytes, code_index %" PRIu64 ", tid %u, "
                  "timestamp %" PRIu64 "\n",
                  fn.code_addr, fn.name.c_str(), size, fn.code_index, fn.tid, fn.timestamp);
    out += line;
    const EntrySite site = detect_entry_site(code, size, fn.code_addr);
    std::string site_note;
    if (site.kind != EntrySite::kNone) {
      site_note = std::string("hook site (") +
                  (site.kind == EntrySite::kTwoWord ? "two_word" : "one_word") + ", " +
                  (site.enabled ? "enabled" : "disabled") + ")";
      out += "  ; " + site_note + " at entry";
      if (site.enabled) {
        std::string sym = symbolize(file, fi, site.target);
        out += " -> " + hex(site.target) + (sym.empty() ? "" : " " + sym);
      }
      out += "\n";
    }

    // Pass 1: decode; remember instruction starts and control-flow targets.
    struct Row {
      uint64_t off;
      DecodedInsn insn;
      std::optional<uint64_t> target;  // jal/branch, or the jalr of an auipc pair
    };
    std::vector<Row> rows;
    std::optional<unsigned> auipc_reg;
    uint64_t auipc_val = 0;
    for (size_t off = 0; off < size;) {
      Row r{off, disasm.decode(code + off, size - off, fn.code_addr + off), std::nullopt};
      r.target = r.insn.target;
      if (r.insn.jalr_rs1 && auipc_reg && *r.insn.jalr_rs1 == *auipc_reg)
        r.target = auipc_val + r.insn.jalr_imm;
      auipc_reg = r.insn.auipc_rd;
      auipc_val = r.insn.auipc_value;
      off += r.insn.size ? r.insn.size : 1;  // size is never 0 here; be safe anyway
      rows.push_back(std::move(r));
    }
    std::map<uint64_t, int> labels;  // in-function target offset -> label number
    {
      std::map<uint64_t, bool> starts;
      for (const Row& r : rows) starts[r.off] = true;
      for (const Row& r : rows) {
        if (!r.target || *r.target < fn.code_addr) continue;
        uint64_t t = *r.target - fn.code_addr;
        if (t != 0 && t < size && starts.count(t)) labels.emplace(t, 0);
      }
      int n = 0;
      for (auto& [off, id] : labels) id = n++;
    }

    // Pass 2: print.
    for (const Row& r : rows) {
      auto lab = labels.find(r.off);
      if (lab != labels.end()) out += ".L" + std::to_string(lab->second) + ":\n";
      std::snprintf(line, sizeof(line), "  %12" PRIx64 ":  ", fn.code_addr + r.off);
      out += line;
      if (options.show_bytes) {
        std::snprintf(line, sizeof(line), r.insn.size == 4 ? "%08x  " : "%04x      ",
                      r.insn.word);
        out += line;
      }
      out += r.insn.text;
      if (r.target) {
        std::string sym;
        if (*r.target >= fn.code_addr && *r.target - fn.code_addr < size) {
          uint64_t t = *r.target - fn.code_addr;
          auto l = labels.find(t);
          sym = l != labels.end() ? "<.L" + std::to_string(l->second) + ">"
                                  : symbolize(file, fi, *r.target);
        } else {
          sym = symbolize(file, fi, *r.target);
        }
        // Branches already print the absolute target; an auipc pair does not.
        if (!r.insn.target) out += "  # " + hex(*r.target);
        if (!sym.empty()) out += " " + sym;
      }
      if (!site_note.empty() && r.off < site.size) out += "   ; " + site_note;
      out += "\n";
    }
  }
  return out;
}

Result<std::string> render_jitdump_file(const std::string& path, const ListingOptions& options) {
  auto file = read_jitdump_file(path);
  if (!file.ok()) return file.error();
  auto disasm = RvDisassembler::create();
  if (!disasm.ok()) return disasm.error();
  return render_listing(*file, **disasm, options, path);
}

}  // namespace rvjit::objdump
