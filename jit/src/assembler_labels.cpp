// Assembler: construction, labels, li, the literal pool, absolute calls, alignment and
// marks -- everything that records state during emission. Layout and relaxation are in
// assembler_finalize.cpp.
#include <atomic>
#include <string>

#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

// Each Assembler (and each reset()) gets a fresh serial so that a Label from another
// Assembler, or from before a reset, is recognised instead of aliasing a local label.
uint32_t next_serial() {
  static std::atomic<uint32_t> counter{0};
  uint32_t s = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  return s ? s : counter.fetch_add(1, std::memory_order_relaxed) + 1;  // skip 0 on wrap
}

}  // namespace

Assembler::Assembler() : serial_(next_serial()) {}
Assembler::Assembler(uint8_t* buffer, size_t capacity)
    : AssemblerCore(buffer, capacity), serial_(next_serial()) {}

void Assembler::reset() {
  buf_.clear();
  error_ = Error();
  buf_.unblock();
  serial_ = next_serial();
  labels_.clear();
  fixups_.clear();
  pool_.clear();
  pool_index_.clear();
  relocs_.clear();
  sites_.clear();
  symbols_.clear();
  final_label_offsets_.clear();
  max_alignment_ = 4;
  unresolved_ = 0;
  far_refs_ = 0;
  abs64_refs_ = 0;
}

void Assembler::bad_label(Label l, const char* what) {
  if (!l.valid()) {
    report(ErrorCode::kInvalidLabel, std::string(what) + ": label was never created by new_label()");
  } else if (l.owner != serial_) {
    report(ErrorCode::kInvalidLabel, std::string(what) + ": label #" + std::to_string(l.id) +
                                         " belongs to another Assembler (or predates reset())");
  } else {
    report(ErrorCode::kInvalidLabel, std::string(what) + ": unknown label #" + std::to_string(l.id));
  }
}

void Assembler::bind_failed(Label l) {
  if (!error_.ok()) return;  // after an error (check_ref reports a bad label itself)
  return report(ErrorCode::kInvalidLabel, "bind: label #" + std::to_string(l.id) +
                                              " is already bound at offset " +
                                              std::to_string(labels_[l.id].offset));
}

uint32_t Assembler::resolve_other(const Fixup& f, int64_t d) {
  if (f.kind == FixKind::kJal) {
    if (!enc::is_int<21>(d)) return 1;  // stays a placeholder; finalize() relaxes it
    buf_.or32(f.offset, enc::j_type(0, 0, d));
    return 0;
  }
  encode_pcrel(f.offset, d);  // kPcrel: the only other kind add_ref() chains
  return 0;
}

void Assembler::encode_pcrel(size_t at, int64_t d) {
  if (!error_.ok()) return;  // the words may not have been emitted
  const enc::HiLo hl = enc::split_hi_lo(d);
  buf_.write32(at, (buf_.read32(at) & 0xfffu) | (static_cast<uint32_t>(hl.hi20) << 12));
  const uint32_t lo = static_cast<uint32_t>(hl.lo12) << 20;
  buf_.write32(at + 4, (buf_.read32(at + 4) & 0x000fffffu) | lo);
}

int64_t Assembler::label_offset(Label l) const {
  if (!owns(l) || l.id >= final_label_offsets_.size()) return -1;
  return final_label_offsets_[l.id];
}

void Assembler::li_slow(Gp rd, int64_t imm) {
  const JitTarget t = selection_target();  // only extensions the user declared
  // lui (+ addiw): li_sequence() would find the same, except for 0x800, one bseti with Zbs.
  if (enc::is_int<32>(imm) && !(imm == 0x800 && t.has(TargetExt::kZbs))) {
    const enc::HiLo hl = enc::split_hi_lo(imm);
    emit32(enc::u_type(enc::kOpLui, rd.id, hl.hi20));
    if (hl.lo12) emit32(enc::i_type(enc::kOpImm32, 0, rd.id, rd.id, hl.lo12));
    return;
  }
  const LiSequence seq = li_sequence(imm, t);
  unsigned src = 0;  // the first step reads x0, the others the partial value in rd
  for (unsigned i = 0; i < seq.size; ++i) {
    const LiStep& s = seq.steps[i];
    // Raw words, like every li step: li never compresses (auto-compression would turn
    // zext.w into c.zext.w), so its length is its word count. li_sequence() returns
    // Zba/Zbb/Zbs steps only when the target has them.
    switch (s.op) {
      case LiStep::kLui: emit32(enc::u_type(enc::kOpLui, rd.id, static_cast<uint32_t>(s.imm))); break;
      case LiStep::kAddi: emit32(enc::i_type(enc::kOpImm, 0, rd.id, src, s.imm)); break;
      case LiStep::kAddiw: emit32(enc::i_type(enc::kOpImm32, 0, rd.id, src, s.imm)); break;
      case LiStep::kSlli: emit32(enc::i_type(enc::kOpImm, 1, rd.id, src, s.imm)); break;
      case LiStep::kSrli: emit32(enc::i_type(enc::kOpImm, 5, rd.id, src, s.imm)); break;
      case LiStep::kXori: emit32(enc::i_type(enc::kOpImm, 4, rd.id, src, s.imm)); break;
      case LiStep::kSlliUw: emit32(enc::i_type(enc::kOpImm32, 1, rd.id, src, 0x080 | s.imm)); break;
      case LiStep::kZextW: emit32(enc::r_type(enc::kOpReg32, 0, 0x04, rd.id, src, 0)); break;
      case LiStep::kSh1add: emit32(enc::r_type(enc::kOpReg, 2, 0x10, rd.id, src, src)); break;
      case LiStep::kSh2add: emit32(enc::r_type(enc::kOpReg, 4, 0x10, rd.id, src, src)); break;
      case LiStep::kSh3add: emit32(enc::r_type(enc::kOpReg, 6, 0x10, rd.id, src, src)); break;
      case LiStep::kBseti: emit32(enc::i_type(enc::kOpImm, 1, rd.id, src, 0x280 | s.imm)); break;
      case LiStep::kBclri: emit32(enc::i_type(enc::kOpImm, 1, rd.id, src, 0x480 | s.imm)); break;
      case LiStep::kRori: emit32(enc::i_type(enc::kOpImm, 5, rd.id, src, 0x600 | s.imm)); break;
    }
    src = rd.id;
  }
}

Label Assembler::pool_constant(uint64_t value) {
  auto it = pool_index_.find(value);
  if (it != pool_index_.end()) return pool_[it->second].slot;
  Label slot = new_label();
  pool_index_.emplace(value, static_cast<uint32_t>(pool_.size()));
  pool_.push_back(PoolEntry{slot, value, 0, false});
  return slot;
}

Label Assembler::pool_address(Label target) {
  Label slot = new_label();
  if (!check_ref(target, "pool_address")) return slot;
  pool_.push_back(PoolEntry{slot, 0, target.id, true});
  return slot;
}

void Assembler::flush_pool() {
  if (pool_.empty() || !error_.ok()) return;
  align(8);
  for (const PoolEntry& e : pool_) {
    bind(e.slot);
    if (e.is_address) {
      add_fixup(FixKind::kAbs64, e.target, 8);
      ++abs64_refs_;
    }
    const uint64_t v = e.is_address ? 0 : e.value;
    emit32(static_cast<uint32_t>(v));
    emit32(static_cast<uint32_t>(v >> 32));
  }
  pool_.clear();
  pool_index_.clear();
}

void Assembler::abs_jump(Gp link, Gp scratch, uint64_t address, Reach reach) {
  if (!error_.ok()) return;
  if (reach == Reach::kFar) {
    // auipc s; ld s, lo(s); jalr link, 0(s): the slot holds the absolute address.
    ld_label(scratch, pool_constant(address));
    emit32(enc::i_type(enc::kOpJalr, 0, link.id, scratch.id, 0));
    return;
  }
  relocs_.push_back(PendingReloc{
      Relocation{static_cast<uint32_t>(offset()), RelocKind::kPcrelHi20Lo12,
                 static_cast<int64_t>(address)},
      static_cast<uint32_t>(fixups_.size())});
  emit32(enc::u_type(enc::kOpAuipc, scratch.id, 0));
  emit32(enc::i_type(enc::kOpJalr, 0, link.id, scratch.id, 0));
}

void Assembler::emit_padding(uint32_t bytes) {
  if (bytes & 2) emit16(enc::kCNop);
  for (uint32_t i = 0; i < bytes / 4; ++i) emit32(enc::kNop);
}

void Assembler::align(uint32_t alignment) {
  if (!error_.ok()) return;
  if (alignment < 2 || alignment > 65536 || (alignment & (alignment - 1)) != 0) {
    return report(ErrorCode::kInvalidArgument,
                  "align: " + std::to_string(alignment) + " is not a power of two in [2, 65536]");
  }
  if (alignment > max_alignment_) max_alignment_ = alignment;
  const uint32_t pad = static_cast<uint32_t>(-offset()) & (alignment - 1);
  add_fixup(FixKind::kAlign, alignment, pad);
  emit_padding(pad);
}

void Assembler::mark_patch_site(uint16_t length, uint16_t tag) {
  if (!error_.ok()) return;
  sites_.push_back(PendingSite{PatchSiteMark{static_cast<uint32_t>(offset()), length, tag},
                               static_cast<uint32_t>(fixups_.size())});
}

void Assembler::add_symbol(std::string name, Label begin, Label end) {
  if (!error_.ok() || !check_ref(begin, "add_symbol") || !check_ref(end, "add_symbol")) return;
  symbols_.push_back(PendingSymbol{std::move(name), begin, end});
}

void Assembler::set_relax_scratch(Gp r) {
  if (r.id == 0 || r.id > 31) return fail_reg("set_relax_scratch", r.id, "cannot be the scratch register");
  relax_scratch_ = r;
}

}  // namespace rvjit
