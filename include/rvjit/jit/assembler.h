// The RV64 Assembler: AssemblerCore (buffer, sticky error) plus one mixin per ISA
// extension (rvjit/jit/insn/), each contributing one method per instruction, plus what
// makes it an assembler rather than an encoder: labels, branch relaxation, li, calls to
// labels and to absolute addresses, a literal pool, alignment, patch-site and symbol
// marks, and finalize(), which produces the AssembledCode the runtime installs.
//
//   rvjit::Assembler a;
//   rvjit::Label loop = a.new_label(), done = a.new_label();
//   a.li(reg::a0, 0);
//   a.bind(loop);
//   a.beq(reg::a1, reg::zero, done);     // forward reference
//   a.addi(reg::a0, reg::a0, 1);
//   a.addi(reg::a1, reg::a1, -1);
//   a.j(loop);                           // backward reference
//   a.bind(done);
//   a.ret();
//   rvjit::Result<rvjit::AssembledCode> code = a.finalize();  // or the first error
//
// Label references are emitted in their short form (one word) and grown at finalize()
// only when the target is out of reach, iterating until no reference grows:
//   * conditional branch, beyond +-4 KiB:  inverted branch over `jal x0, target`;
//     beyond +-1 MiB: inverted branch over `auipc s; jalr x0, lo(s)`;
//   * jal rd / j / call / tail, beyond +-1 MiB: `auipc s; jalr rd, lo(s)`.
// The scratch register s is rd itself when rd != x0 (call: ra), otherwise the relaxation
// scratch register, t1 by default (the register LLVM's `tail` clobbers); change it with
// set_relax_scratch(). Code must not keep a live value in it across a j/tail/branch whose
// target may be more than 1 MiB away. Relaxation never shrinks a reference, so it ends.
//
// Speed: a reference whose label is already bound is encoded when it is emitted, and the
// references to a label not yet bound are chained to it and encoded when bind() places
// it; so when every reference reaches in its short form (the common case), finalize() has
// nothing to walk: it copies the buffer and returns. Labels and references live in
// vectors that reset() clears but keeps, so a reused Assembler does not allocate.
//
// Offsets: offset() and the marks are positions in the code as emitted so far; relaxation
// can move everything after a grown reference, so the final positions come from
// label_offset() after finalize() and from AssembledCode.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rvjit/jit/assembled_code.h"
#include "rvjit/jit/assembler_core.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/all.h"
#include "rvjit/jit/label.h"
#include "rvjit/jit/li.h"
#include "rvjit/jit/pod_vector.h"

// Keep the instruction mixins' offset-taking overloads (beq(rs1, rs2, int64_t), j(int64_t),
// ...) visible next to the Label overloads declared here, whatever set the mixins offer:
// a name declared in Assembler would otherwise hide every base overload of that name.
#define RVJIT_ASM_FORWARD(name)                                                          \
  template <class... A>                                                                  \
  auto name(A&&... a)                                                                    \
      ->decltype(std::declval<InsnAll<Assembler>&>().name(std::forward<A>(a)...)) {     \
    return InsnAll<Assembler>::name(std::forward<A>(a)...);                              \
  }

namespace rvjit {

class Assembler : public AssemblerCore, public InsnAll<Assembler> {
 public:
  Assembler();
  Assembler(uint8_t* buffer, size_t capacity);

  // Forget everything emitted (buffer, labels, pool, marks, error); keeps the capacity
  // and the settings (auto-compression, relaxation scratch). Labels created before
  // reset() become foreign (kInvalidLabel).
  void reset();

  // ---- labels ----------------------------------------------------------------------
  RVJIT_INLINE Label new_label() {
    labels_.emplace_back();  // unbound, nothing pending
    return Label{static_cast<uint32_t>(labels_.size() - 1), serial_};
  }
  // Bind `label` to the current position. Binding twice, an invalid or another
  // Assembler's label: kInvalidLabel.
  RVJIT_INLINE void bind(Label label) {
    if (!error_.ok() || !check_ref(label, "bind")) [[unlikely]] return bind_failed(label);
    LabelState& s = labels_[label.id];
    if (s.offset != kUnbound) [[unlikely]] return bind_failed(label);
    s.offset = static_cast<uint32_t>(offset());
    s.fixcount = static_cast<uint32_t>(fixups_.size());
    if (s.pending != kNoFixup) resolve_pending(s);
  }
  bool is_bound(Label label) const {
    return owns(label) && labels_[label.id].offset != kUnbound;
  }
  // Final offset of a bound label in the last finalize()d code; -1 when unknown.
  int64_t label_offset(Label label) const;

  // ---- branches and jumps to labels (short form, relaxed at finalize) --------------
  RVJIT_INLINE void beq(Gp rs1, Gp rs2, Label l) { branch_to(0, rs1, rs2, l); }
  RVJIT_INLINE void bne(Gp rs1, Gp rs2, Label l) { branch_to(1, rs1, rs2, l); }
  RVJIT_INLINE void blt(Gp rs1, Gp rs2, Label l) { branch_to(4, rs1, rs2, l); }
  RVJIT_INLINE void bge(Gp rs1, Gp rs2, Label l) { branch_to(5, rs1, rs2, l); }
  RVJIT_INLINE void bltu(Gp rs1, Gp rs2, Label l) { branch_to(6, rs1, rs2, l); }
  RVJIT_INLINE void bgeu(Gp rs1, Gp rs2, Label l) { branch_to(7, rs1, rs2, l); }
  RVJIT_INLINE void bgt(Gp rs, Gp rt, Label l) { blt(rt, rs, l); }
  RVJIT_INLINE void ble(Gp rs, Gp rt, Label l) { bge(rt, rs, l); }
  RVJIT_INLINE void bgtu(Gp rs, Gp rt, Label l) { bltu(rt, rs, l); }
  RVJIT_INLINE void bleu(Gp rs, Gp rt, Label l) { bgeu(rt, rs, l); }
  RVJIT_INLINE void beqz(Gp rs, Label l) { beq(rs, Gp{0}, l); }
  RVJIT_INLINE void bnez(Gp rs, Label l) { bne(rs, Gp{0}, l); }
  RVJIT_INLINE void blez(Gp rs, Label l) { bge(Gp{0}, rs, l); }
  RVJIT_INLINE void bgez(Gp rs, Label l) { bge(rs, Gp{0}, l); }
  RVJIT_INLINE void bltz(Gp rs, Label l) { blt(rs, Gp{0}, l); }
  RVJIT_INLINE void bgtz(Gp rs, Label l) { blt(Gp{0}, rs, l); }
  RVJIT_INLINE void jal(Gp rd, Label l) { jump_to(rd, l); }
  RVJIT_INLINE void jal(Label l) { jump_to(Gp{1}, l); }
  RVJIT_INLINE void j(Label l) { jump_to(Gp{0}, l); }
  // Call / tail-call a label: `jal ra` / `j`, grown to auipc+jalr when out of reach.
  void call(Label l) { jump_to(Gp{1}, l); }
  void tail(Label l) { jump_to(Gp{0}, l); }

  RVJIT_ASM_FORWARD(beq) RVJIT_ASM_FORWARD(bne) RVJIT_ASM_FORWARD(blt)
  RVJIT_ASM_FORWARD(bge) RVJIT_ASM_FORWARD(bltu) RVJIT_ASM_FORWARD(bgeu)
  RVJIT_ASM_FORWARD(bgt) RVJIT_ASM_FORWARD(ble) RVJIT_ASM_FORWARD(bgtu)
  RVJIT_ASM_FORWARD(bleu) RVJIT_ASM_FORWARD(beqz) RVJIT_ASM_FORWARD(bnez)
  RVJIT_ASM_FORWARD(blez) RVJIT_ASM_FORWARD(bgez) RVJIT_ASM_FORWARD(bltz)
  RVJIT_ASM_FORWARD(bgtz) RVJIT_ASM_FORWARD(jal) RVJIT_ASM_FORWARD(j)

  // rd = runtime address of `l` (auipc rd; addi rd, rd, lo). Fixed 8 bytes.
  void la(Gp rd, Label l) { pcrel_to(rd, enc::i_type(enc::kOpImm, 0, rd.id, rd.id, 0), l, "la"); }
  // rd = the 64-bit word at `l` (auipc rd; ld rd, lo(rd)). rd must not be x0.
  void ld_label(Gp rd, Label l) {
    if (rd.id == 0) return fail_reg("ld_label", 0, "cannot hold the address");
    pcrel_to(rd, enc::i_type(enc::kOpLoad, 3, rd.id, rd.id, 0), l, "ld_label");
  }

  // ---- constants ---------------------------------------------------------------------
  // rd = imm, with the shortest sequence (see rvjit/jit/li.h): 1..8 words. Base RV64I,
  // plus Zba/Zbb/Zbs steps where set_target() declared them (selection_target()).
  void li(Gp rd, int64_t imm) {
    if (enc::is_int<12>(imm)) [[likely]] {
      emit32(enc::i_type(enc::kOpImm, 0, rd.id, 0, imm));
      return;
    }
    li_slow(rd, imm);
  }
  // rd = imm loaded from the literal pool (auipc + ld: always 2 words + an 8-byte slot).
  void li_pool(Gp rd, uint64_t imm) { ld_label(rd, pool_constant(imm)); }

  // ---- literal pool ------------------------------------------------------------------
  // A label that will be bound to an 8-byte pool slot holding `value` (equal values share
  // a slot until the next flush).
  Label pool_constant(uint64_t value);
  // A label bound to an 8-byte pool slot holding the runtime address of `target`
  // (a kAbs64Internal relocation the runtime applies at install).
  Label pool_address(Label target);
  // Emit the pending pool entries here (8-byte aligned, padded with nops). The caller
  // makes sure execution never falls into it (e.g. after a ret or j). finalize() flushes
  // whatever is still pending at the end of the code.
  void flush_pool();

  // ---- calls to absolute addresses -----------------------------------------------------
  // kNear: auipc+jalr with a kPcrelHi20Lo12 relocation (target within +-2 GiB of the
  // code's final address; the runtime reports kBranchOutOfRange otherwise).
  // kFar: any 64-bit address through a literal-pool slot: auipc s; ld s, lo(s); jalr.
  enum class Reach : uint8_t { kNear, kFar };
  void call_abs(uint64_t address, Reach reach = Reach::kNear) { abs_jump(Gp{1}, Gp{1}, address, reach); }
  // Tail call: like call_abs but links nothing; clobbers the relaxation scratch (t1).
  void tail_abs(uint64_t address, Reach reach = Reach::kNear) { abs_jump(Gp{0}, relax_scratch_, address, reach); }

  // ---- layout and marks --------------------------------------------------------------
  // Pad with nops (c.nop for a 2-byte remainder) to a multiple of `alignment` (a power of
  // two, 2..65536); the final address gets at least that alignment.
  void align(uint32_t alignment);
  // Record that the next `length` bytes form a patch site with a user `tag`. A branch,
  // jump or align() inside the site could change its length: finalize() rejects that
  // with kInvalidArgument (la/ld_label/call_abs have fixed sizes and are allowed).
  void mark_patch_site(uint16_t length, uint16_t tag);
  // A named range [begin, end) of the final code (a function, a data block).
  void add_symbol(std::string name, Label begin, Label end);

  // Scratch register for relaxed long jumps with rd == x0 (default t1). Not x0.
  void set_relax_scratch(Gp reg);
  Gp relax_scratch() const { return relax_scratch_; }

  // ---- result ------------------------------------------------------------------------
  // Flush the pool, resolve and relax every label reference, and return the code; or the
  // first error (sticky emit errors, kUnboundLabel, kBranchOutOfRange). Never truncates.
  Result<AssembledCode> finalize();

  // Number of label references recorded so far (for tests and statistics).
  size_t reference_count() const { return fixups_.size(); }

 private:
  static constexpr uint32_t kUnbound = 0xffffffffu;
  static constexpr uint32_t kNoFixup = 0xffffffffu;

  // A place whose bytes depend on final positions. Recorded in emission order, so a
  // position "after k fixups" maps to its final offset by adding the growth of the first k.
  enum class FixKind : uint8_t { kBranch, kJal, kPcrel, kAlign, kAbs64 };
  struct Fixup {
    uint32_t offset;  // first byte in the emitted (unrelaxed) buffer
    uint32_t target;  // label id; kAlign: the alignment
    uint32_t next;    // next reference waiting for the same unbound label, or kNoFixup
    uint16_t size;    // bytes it occupies in the emitted buffer (an align pad is < 65536)
    FixKind kind;
    uint8_t a = 0;    // kBranch: rs1; kJal/kPcrel: rd
    uint8_t b = 0;    // kBranch: rs2
    uint8_t f3 = 0;   // kBranch: funct3
    // A constructor, so that emplace_back builds it in the vector's storage: a temporary
    // built byte field by byte field and copied as wider words stalls store forwarding.
    Fixup(uint32_t offset_, uint32_t target_, uint32_t next_, uint16_t size_, FixKind kind_,
          uint8_t a_, uint8_t b_, uint8_t f3_)
        : offset(offset_), target(target_), next(next_), size(size_), kind(kind_), a(a_),
          b(b_), f3(f3_) {}
  };
  struct LabelState {
    uint32_t offset = kUnbound;   // emitted offset, kUnbound until bound
    uint32_t fixcount = 0;        // fixups recorded before the bind
    uint32_t pending = kNoFixup;  // first reference waiting for the bind (Fixup::next chain)
  };
  struct Pos {  // a position recorded during emission
    uint32_t offset;
    uint32_t fixcount;
  };
  struct PoolEntry {
    Label slot;
    uint64_t value;
    uint32_t target;  // label id whose address the slot holds (is_address)
    bool is_address;
  };
  struct PendingReloc { Relocation reloc; uint32_t fixcount; };
  struct PendingSite { PatchSiteMark mark; uint32_t fixcount; };
  struct PendingSymbol { std::string name; Label begin, end; };

  bool owns(Label l) const { return l.owner == serial_ && l.id < labels_.size(); }
  bool check_ref(Label l, const char* what) {
    if (owns(l)) [[likely]] return true;
    bad_label(l, what);
    return false;
  }
  void bad_label(Label l, const char* what);
  void add_fixup(FixKind kind, uint32_t target, uint32_t size, uint8_t a = 0, uint8_t b = 0,
                 uint8_t f3 = 0) {
    fixups_.emplace_back(static_cast<uint32_t>(offset()), target, kNoFixup,
                         static_cast<uint16_t>(size), kind, a, b, f3);
  }
  // Record a reference to label `id` at the current offset and return the distance to the
  // label when it is bound (the caller encodes it now), else chain the reference to the
  // label (bind() encodes it) and return 0.
  RVJIT_INLINE int64_t add_ref(FixKind kind, uint32_t id, uint32_t size, uint8_t a, uint8_t b = 0,
                               uint8_t f3 = 0) {
    LabelState& s = labels_[id];
    const uint32_t at = static_cast<uint32_t>(offset());
    const uint32_t index = static_cast<uint32_t>(fixups_.size());
    fixups_.emplace_back(at, id, kNoFixup, static_cast<uint16_t>(size), kind, a, b, f3);
    if (s.offset != kUnbound) return static_cast<int64_t>(s.offset) - at;
    fixups_[index].next = s.pending;
    s.pending = index;
    ++unresolved_;
    return 0;
  }
  RVJIT_INLINE void branch_to(uint32_t f3, Gp rs1, Gp rs2, Label l) {
    if (!error_.ok() || !check_ref(l, "branch")) [[unlikely]] return;
    int64_t d = add_ref(FixKind::kBranch, l.id, 4, rs1.id, rs2.id, static_cast<uint8_t>(f3));
    if (!enc::is_int<13>(d)) [[unlikely]] { ++far_refs_; d = 0; }  // finalize() relaxes it
    emit32(enc::b_type(enc::kOpBranch, f3, rs1.id, rs2.id, d));
  }
  RVJIT_INLINE void jump_to(Gp rd, Label l) {
    if (!error_.ok() || !check_ref(l, "jal")) [[unlikely]] return;
    int64_t d = add_ref(FixKind::kJal, l.id, 4, rd.id);
    if (!enc::is_int<21>(d)) [[unlikely]] { ++far_refs_; d = 0; }
    emit32(enc::j_type(enc::kOpJal, rd.id, d));
  }
  void pcrel_to(Gp rd, uint32_t second_word, Label l, const char* what) {
    if (!error_.ok() || !check_ref(l, what)) return;
    const int64_t d = add_ref(FixKind::kPcrel, l.id, 8, rd.id);
    emit32(enc::u_type(enc::kOpAuipc, rd.id, 0));
    emit32(second_word);
    if (d != 0) encode_pcrel(offset() - 8, d);  // a later finalize() checks the 2 GiB reach
  }
  // The auipc + I-type pair at `at`, `d` bytes from its label (either word as emitted).
  void encode_pcrel(size_t at, int64_t d);
  // bind(): encode the references chained to the label just bound at s.offset. Inline:
  // it runs for most binds of a forward-branching JIT, usually for one or two references.
  RVJIT_INLINE void resolve_pending(LabelState& s) {
    // The chained words were emitted with a zero offset, so the offset bits are OR-ed in.
    const int64_t to = s.offset;
    uint32_t resolved = 0, far = 0;
    for (uint32_t i = s.pending; i != kNoFixup; i = fixups_[i].next) {
      const Fixup& f = fixups_[i];
      const int64_t d = to - f.offset;
      ++resolved;
      if (f.kind == FixKind::kBranch) [[likely]] {
        if (enc::is_int<13>(d)) [[likely]] buf_.or32(f.offset, enc::b_type(0, 0, 0, 0, d));
        else ++far;  // stays in its placeholder form; finalize() relaxes it
      } else {
        far += resolve_other(f, d);
      }
    }
    unresolved_ -= resolved;
    far_refs_ += far;
    s.pending = kNoFixup;
  }
  // resolve_pending() for a jal or an auipc pair; 1 when out of short reach, else 0.
  uint32_t resolve_other(const Fixup& f, int64_t d);
  // bind() failures: after an error, a bad label, a label bound twice.
  RVJIT_NOINLINE void bind_failed(Label l);
  void li_slow(Gp rd, int64_t imm);
  // finalize()'s one-pass case: `out` holds a copy of the buffer; encode every reference
  // in its short form at the emitted positions. False (out half-filled: discard it) when a
  // label is unbound or a branch/jal does not reach in its short form.
  bool fill_short_forms(AssembledCode& out) const;
  // kInvalidArgument when a patch site contains a reference that can grow or a padding.
  Error check_patch_sites() const;
  // finalize()'s common tail: relocations, patch sites, label offsets and symbols at their
  // final positions (grow: growth before each fixup, nullptr when nothing grew).
  Error finish(AssembledCode& out, const int64_t* grow);
  void abs_jump(Gp link, Gp scratch, uint64_t address, Reach reach);
  void emit_padding(uint32_t bytes);

  uint32_t serial_;
  Gp relax_scratch_{6};
  detail::PodVector<LabelState> labels_;
  detail::PodVector<Fixup> fixups_;
  std::vector<PoolEntry> pool_;
  std::unordered_map<uint64_t, uint32_t> pool_index_;  // constant -> pool_ index
  std::vector<PendingReloc> relocs_;
  std::vector<PendingSite> sites_;
  std::vector<PendingSymbol> symbols_;
  std::vector<int64_t> final_label_offsets_;
  uint32_t max_alignment_ = 4;
  // The resolution state finalize() reads to skip its walk: references chained to a label
  // not bound yet, and references whose label is bound beyond their short form's reach.
  uint32_t unresolved_ = 0;
  uint32_t far_refs_ = 0;
  uint32_t abs64_refs_ = 0;  // pool_address() slots: their relocations come from the walk
};

}  // namespace rvjit

#undef RVJIT_ASM_FORWARD
