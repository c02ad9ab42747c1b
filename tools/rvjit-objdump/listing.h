// The listing of rvjit-objdump: every function of a jitdump, disassembled, with names,
// addresses, resolved control-flow targets and hook sites.
//
// Targets: jal/branch targets and auipc+jalr pairs are shown as `<.Ln>` when they land
// on an instruction of the same function (a `.Ln:` label line precedes that instruction),
// as `<name>` / `<name+0xoff>` when they land in a function of the dump, else bare.
//
// Hook sites: jitdump has no place for patch-site offsets (perf would reject unknown
// records only with a warning, but other readers may not), so sites are recognised by
// their layouts at the function entry, where the hooks module places them:
//   two_word: `auipc t0,hi; jalr t0,lo(t0)` = enabled, `j .+8; nop|jalr` = disabled
//   (`nop; nop` in older builds);
//   one_word: `jal t0,<tramp>` = enabled, a single `nop` = disabled.
// A function that merely starts with a nop is therefore reported as a disabled site:
// the marking is a hint, not ground truth.
#pragma once

#include <string>

#include "rv_disassembler.h"
#include "rvjit/error.h"
#include "rvjit/runtime/jitdump.h"

namespace rvjit::objdump {

struct ListingOptions {
  bool show_bytes = true;  // the raw instruction word next to each address
};

// What the entry of a function looks like, as described above.
struct EntrySite {
  enum Kind { kNone, kTwoWord, kOneWord } kind = kNone;
  bool enabled = false;
  uint64_t target = 0;  // where an enabled site jumps (valid when enabled)
  size_t size = 0;      // bytes of the site (8 or 4)
};
EntrySite detect_entry_site(const uint8_t* code, size_t size, uint64_t address);

// Renders a parsed file. `source` names it in the title line.
std::string render_listing(const JitdumpFile& file, const RvDisassembler& disasm,
                           const ListingOptions& options, const std::string& source);

// Reads, parses and renders `path`: kSystemError if unreadable, kParseError (naming the
// byte offset) if malformed, kUnsupported without LLVM's RISC-V target.
Result<std::string> render_jitdump_file(const std::string& path, const ListingOptions& options);

}  // namespace rvjit::objdump
