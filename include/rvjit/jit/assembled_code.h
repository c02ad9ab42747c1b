// What Assembler::finalize() hands to the runtime: position-independent bytes plus the
// relocations needed once the final address is known, and the marked patch sites.
// The runtime copies `code` to its final address A, then calls apply_relocations().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rvjit/error.h"

namespace rvjit {

enum class RelocKind : uint8_t {
  // auipc at `offset`, jalr/addi/ld (any I-type) at offset+4: pc-relative reference to the
  // absolute address `target`. Fails with kBranchOutOfRange beyond +-2 GiB.
  kPcrelHi20Lo12,
  // jal at `offset` to the absolute address `target`; kBranchOutOfRange beyond +-1 MiB.
  kJal,
  // 8-byte slot at `offset` receives A + target (an address inside this code).
  kAbs64Internal,
};

struct Relocation {
  uint32_t offset;
  RelocKind kind;
  int64_t target;
};

// A place the runtime or the hook manager will patch later (e.g. a hook entry site).
struct PatchSiteMark {
  uint32_t offset;  // of the first instruction of the site
  uint16_t length;  // bytes covered by the site
  uint16_t tag;     // user-defined meaning (the hook layout, for example)
};

// A named offset inside the code (a function entry, a local function, a data word).
struct SymbolMark {
  std::string name;
  uint32_t offset;
  uint32_t size;
};

struct AssembledCode {
  std::vector<uint8_t> code;
  std::vector<Relocation> relocations;
  std::vector<PatchSiteMark> patch_sites;
  std::vector<SymbolMark> symbols;
  uint32_t alignment = 4;  // required alignment of the final address
};

// Patch `dst` (a copy of code.code, not yet executable) for execution at runtime address
// `final_address`. Writes only inside dst; on error dst is unchanged... by contract the
// caller discards it. No syscalls, no allocation: usable by the runtime anywhere.
Error apply_relocations(uint8_t* dst, uint64_t final_address, const AssembledCode& code);

}  // namespace rvjit
