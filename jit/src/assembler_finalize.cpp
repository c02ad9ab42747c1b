// Assembler::finalize(): resolve labels, relax out-of-range references, lay the code out
// again and produce AssembledCode.
//
// The common case does no pass at all: references were encoded when emitted or when their
// label was bound (Assembler::add_ref / resolve_pending), so when none is out of short
// reach and none is unbound, the code is the buffer as it stands (see finalize()).
//
// Every position-dependent place was recorded as a Fixup in emission order, so the final
// offset of anything recorded "after k fixups" is its emitted offset plus the growth of
// the first k fixups (prefix sums). Relaxation starts from the short forms and iterates:
// compute the layout with the current forms (alignment padding recomputed on the way),
// grow every reference whose target is out of reach, repeat until nothing grows. Forms
// only grow and there are at most three per reference, so this ends. Then the code is
// copied once, the references encoded at their final places.
#include <cstring>
#include <string>
#include <vector>

#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

// Bytes of each form of each reference kind, shortest first.
constexpr uint32_t kBranchForms[] = {4, 8, 12};  // b; !b+jal; !b+auipc+jalr
constexpr uint32_t kJalForms[] = {4, 8};         // jal; auipc+jalr

// Writes into the presized output: no per-word capacity checks.
struct Writer {
  uint8_t* p;
  size_t at = 0;
  void put32(uint32_t w) { std::memcpy(p + at, &w, 4); at += 4; }
  void put16(uint16_t h) { std::memcpy(p + at, &h, 2); at += 2; }
  void copy(const uint8_t* src, size_t n) { if (n) std::memcpy(p + at, src, n); at += n; }
};

uint32_t auipc_word(unsigned rd, int64_t delta) {
  return enc::u_type(enc::kOpAuipc, rd, enc::split_hi_lo(delta).hi20);
}
uint32_t jalr_word(unsigned rd, unsigned rs1, int64_t delta) {
  return enc::i_type(enc::kOpJalr, 0, rd, rs1, enc::split_hi_lo(delta).lo12);
}
// The I-type word after an auipc (addi for la, ld for ld_label) with its lo12 filled in.
uint32_t pcrel_second(uint32_t emitted, int64_t delta) {
  return (emitted & 0x000fffffu) | (static_cast<uint32_t>(enc::split_hi_lo(delta).lo12) << 20);
}
void buf_write32(uint8_t* code, int64_t at, uint32_t w) { std::memcpy(code + at, &w, 4); }

}  // namespace

Result<AssembledCode> Assembler::finalize() {
  flush_pool();
  if (!error_.ok()) return error_;
  if (offset() > (size_t{1} << 31)) {
    return Error(ErrorCode::kBranchOutOfRange,
                 "finalize: " + std::to_string(offset()) + " bytes of code exceed 2 GiB");
  }

  const size_t n = fixups_.size();
  // No pass when nothing needs relaxing (the common case): with no reference grown, every
  // position is its emitted one and every alignment pad is the one emitted, and every
  // branch, jal and pc-relative pair was encoded when it was emitted or when its label was
  // bound (add_ref, resolve_pending), so the code is the buffer as it stands: one copy.
  // Only pool_address() slots need the walk (for their relocations). A reference to an
  // unbound label or out of short reach sends the whole thing to the general path below.
  if (unresolved_ == 0 && far_refs_ == 0) {
    AssembledCode out;
    out.code.assign(buf_.data(), buf_.data() + offset());
    if (abs64_refs_ == 0 || fill_short_forms(out)) {
      if (Error e = check_patch_sites(); !e.ok()) return e;
      if (Error e = finish(out, nullptr); !e.ok()) return e;
      return out;
    }
  }

  for (const Fixup& f : fixups_) {
    if (f.kind == FixKind::kAlign) continue;
    if (labels_[f.target].offset == kUnbound) {
      return Error(ErrorCode::kUnboundLabel, "finalize: label #" + std::to_string(f.target) +
                                                 " referenced at offset " +
                                                 std::to_string(f.offset) + " was never bound");
    }
  }

  if (Error e = check_patch_sites(); !e.ok()) return e;

  std::vector<uint8_t> form(n, 0);       // index into the kind's form table
  std::vector<uint32_t> size(n);         // bytes in the final layout
  std::vector<int64_t> grow(n + 1, 0);   // grow[k]: total growth of fixups [0, k)
  auto final_pos = [&](uint32_t emitted, uint32_t fixcount) {
    return static_cast<int64_t>(emitted) + grow[fixcount];
  };
  auto label_pos = [&](uint32_t id) {
    return final_pos(labels_[id].offset, labels_[id].fixcount);
  };

  for (;;) {
    // Layout with the current forms.
    int64_t g = 0;
    for (size_t i = 0; i < n; ++i) {
      const Fixup& f = fixups_[i];
      grow[i] = g;
      switch (f.kind) {
        case FixKind::kBranch: size[i] = kBranchForms[form[i]]; break;
        case FixKind::kJal: size[i] = kJalForms[form[i]]; break;
        case FixKind::kAlign: {
          const int64_t at = f.offset + g;
          size[i] = static_cast<uint32_t>(-at) & (f.target - 1);
          break;
        }
        default: size[i] = f.size; break;
      }
      g += static_cast<int64_t>(size[i]) - f.size;
    }
    grow[n] = g;

    // Grow whatever cannot reach its target.
    bool grew = false;
    for (size_t i = 0; i < n; ++i) {
      const Fixup& f = fixups_[i];
      if (f.kind != FixKind::kBranch && f.kind != FixKind::kJal) continue;
      const int64_t site = final_pos(f.offset, static_cast<uint32_t>(i));
      const int64_t d = label_pos(f.target) - site;
      bool fits;
      if (f.kind == FixKind::kBranch) {
        fits = form[i] == 0 ? enc::is_int<13>(d)
             : form[i] == 1 ? enc::is_int<21>(d - 4)
                            : enc::fits_hi_lo(d - 4);
      } else {
        fits = form[i] == 0 ? enc::is_int<21>(d) : enc::fits_hi_lo(d);
      }
      if (fits) continue;
      const uint8_t last = f.kind == FixKind::kBranch ? 2 : 1;
      if (form[i] == last) {
        return Error(ErrorCode::kBranchOutOfRange,
                     "finalize: reference at offset " + std::to_string(site) + " to label #" +
                         std::to_string(f.target) + " is " + std::to_string(d) +
                         " bytes away, beyond +-2 GiB");
      }
      ++form[i];
      grew = true;
    }
    if (!grew) break;
  }

  AssembledCode out;
  const size_t final_size = static_cast<size_t>(static_cast<int64_t>(offset()) + grow[n]);
  out.code.resize(final_size);
  Writer w{out.code.data()};
  const uint8_t* src = buf_.data();
  size_t copied = 0;  // emitted bytes consumed so far
  const unsigned scratch = relax_scratch_.id;
  for (size_t i = 0; i < n; ++i) {
    const Fixup& f = fixups_[i];
    w.copy(src + copied, f.offset - copied);
    copied = f.offset + f.size;
    const int64_t site = static_cast<int64_t>(w.at);
    switch (f.kind) {
      case FixKind::kBranch: {
        const int64_t d = label_pos(f.target) - site;
        if (form[i] == 0) {
          w.put32(enc::b_type(enc::kOpBranch, f.f3, f.a, f.b, d));
        } else if (form[i] == 1) {
          w.put32(enc::b_type(enc::kOpBranch, f.f3 ^ 1u, f.a, f.b, 8));
          w.put32(enc::j_type(enc::kOpJal, 0, d - 4));
        } else {
          w.put32(enc::b_type(enc::kOpBranch, f.f3 ^ 1u, f.a, f.b, 12));
          w.put32(auipc_word(scratch, d - 4));
          w.put32(jalr_word(0, scratch, d - 4));
        }
        break;
      }
      case FixKind::kJal: {
        const int64_t d = label_pos(f.target) - site;
        if (form[i] == 0) {
          w.put32(enc::j_type(enc::kOpJal, f.a, d));
        } else {
          const unsigned s = f.a ? f.a : scratch;
          w.put32(auipc_word(s, d));
          w.put32(jalr_word(f.a, s, d));
        }
        break;
      }
      case FixKind::kPcrel: {
        const int64_t d = label_pos(f.target) - site;
        w.put32(auipc_word(f.a, d));
        w.put32(pcrel_second(buf_.read32(f.offset + 4), d));
        break;
      }
      case FixKind::kAlign: {
        if (size[i] & 2) w.put16(enc::kCNop);
        for (uint32_t k = 0; k < size[i] / 4; ++k) w.put32(enc::kNop);
        break;
      }
      case FixKind::kAbs64: {
        const int64_t target = label_pos(f.target);
        out.relocations.push_back(
            Relocation{static_cast<uint32_t>(site), RelocKind::kAbs64Internal, target});
        w.put32(static_cast<uint32_t>(target));
        w.put32(static_cast<uint32_t>(static_cast<uint64_t>(target) >> 32));
        break;
      }
    }
  }
  w.copy(src + copied, offset() - copied);
  if (w.at != final_size) {  // the layout and the copy disagree: a bug, never truncate
    return Error(ErrorCode::kInvalidArgument, "finalize: internal layout mismatch (" +
                                                  std::to_string(w.at) + " vs " +
                                                  std::to_string(final_size) + " bytes)");
  }

  if (Error e = finish(out, grow.data()); !e.ok()) return e;
  return out;
}

// A patch site must keep its length: no reference that can grow, no padding, inside it.
Error Assembler::check_patch_sites() const {
  const size_t n = fixups_.size();
  for (const PendingSite& site : sites_) {
    for (size_t i = site.fixcount; i < n && fixups_[i].offset < site.mark.offset + site.mark.length; ++i) {
      const FixKind k = fixups_[i].kind;
      if (k == FixKind::kBranch || k == FixKind::kJal || k == FixKind::kAlign) {
        return Error(ErrorCode::kInvalidArgument,
                     "finalize: patch site at offset " + std::to_string(site.mark.offset) +
                         " contains a label reference or alignment that can change its length");
      }
    }
  }

  return Error();
}

bool Assembler::fill_short_forms(AssembledCode& out) const {
  uint8_t* const code = out.code.data();
  for (const Fixup& f : fixups_) {
    const int64_t site = f.offset;
    if (f.kind == FixKind::kAlign) continue;  // the emitted padding is the final one
    const uint32_t to = labels_[f.target].offset;
    if (to == kUnbound) return false;
    const int64_t d = static_cast<int64_t>(to) - site;
    switch (f.kind) {
      case FixKind::kBranch:
        if (!enc::is_int<13>(d)) return false;
        buf_write32(code, site, enc::b_type(enc::kOpBranch, f.f3, f.a, f.b, d));
        break;
      case FixKind::kJal:
        if (!enc::is_int<21>(d)) return false;
        buf_write32(code, site, enc::j_type(enc::kOpJal, f.a, d));
        break;
      case FixKind::kPcrel:
        buf_write32(code, site, auipc_word(f.a, d));
        buf_write32(code, site + 4, pcrel_second(buf_.read32(f.offset + 4), d));
        break;
      case FixKind::kAbs64:
        out.relocations.push_back(Relocation{f.offset, RelocKind::kAbs64Internal, to});
        buf_write32(code, site, to);
        buf_write32(code, site + 4, 0);
        break;
      case FixKind::kAlign: break;
    }
  }
  return true;
}

Error Assembler::finish(AssembledCode& out, const int64_t* grow) {
  // grow[k]: growth of the first k fixups; nullptr: nothing grew.
  auto final_pos = [&](uint32_t emitted, uint32_t fixcount) {
    return static_cast<int64_t>(emitted) + (grow ? grow[fixcount] : 0);
  };
  for (const PendingReloc& r : relocs_) {
    Relocation rel = r.reloc;
    rel.offset = static_cast<uint32_t>(final_pos(rel.offset, r.fixcount));
    out.relocations.push_back(rel);
  }
  for (const PendingSite& s : sites_) {
    PatchSiteMark m = s.mark;
    m.offset = static_cast<uint32_t>(final_pos(m.offset, s.fixcount));
    out.patch_sites.push_back(m);
  }
  // One write per label (resize, not assign: no fill pass before the real values).
  final_label_offsets_.resize(labels_.size());
  for (size_t id = 0; id < labels_.size(); ++id) {
    const LabelState& l = labels_[id];
    final_label_offsets_[id] = l.offset == kUnbound ? -1 : final_pos(l.offset, l.fixcount);
  }
  for (const PendingSymbol& s : symbols_) {
    const int64_t b = final_label_offsets_[s.begin.id], e = final_label_offsets_[s.end.id];
    if (b < 0 || e < 0 || e < b) {
      return Error(ErrorCode::kUnboundLabel,
                   "finalize: symbol '" + s.name + "' needs bound labels with begin <= end");
    }
    out.symbols.push_back(SymbolMark{s.name, static_cast<uint32_t>(b), static_cast<uint32_t>(e - b)});
  }
  out.alignment = max_alignment_;
  return Error();
}

}  // namespace rvjit
