// The assembler: a line-oriented parser. Labels are resolved after the whole text is read
// (forward references), so each jump/call records a fixup with its source line.
#include "ebpf/assembler.h"

#include <cctype>
#include <optional>
#include <unordered_map>

namespace rvjit::ebpf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_ident_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// A signed magnitude so that both -2^63 and 2^64-1 are representable.
struct Number {
  bool negative = false;
  uint64_t magnitude = 0;
};

std::optional<Number> parse_number(std::string_view s) {
  Number n;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    n.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    if (n.magnitude > (UINT64_MAX - d) / base) return std::nullopt;  // overflow
    n.magnitude = n.magnitude * base + d;
  }
  return n;
}

class LineAssembler {
 public:
  explicit LineAssembler(int first_line) : line_no_(first_line - 1) {}

  Result<AssembledProgram> run(std::string_view text);

 private:
  struct Fixup {
    uint32_t pc;
    std::string label;
    int line;
    bool in_imm;  // call local and ja32 keep the offset in imm, other jumps in off
  };

  Error fail(const std::string& msg) const {
    return Error(ErrorCode::kParseError, "line " + std::to_string(line_no_) + ": " + msg);
  }
  Error line(std::string_view text);
  Error instruction(std::string_view mnemonic, std::string_view rest);

  Result<uint8_t> reg(std::string_view s) const;
  Result<int32_t> imm32(std::string_view s) const;
  Result<int16_t> off16(std::string_view s) const;
  Error mem_operand(std::string_view s, uint8_t& base, int16_t& off) const;
  // A jump/call target: +N/-N (or a bare number) sets the field now, a label adds a fixup.
  Error target(std::string_view s, Insn& insn, bool in_imm);
  Error expect_operands(std::string_view mnemonic, const std::vector<std::string_view>& ops, size_t n) const;

  int line_no_;
  AssembledProgram out_;
  std::unordered_map<std::string, uint32_t> label_pc_;
  std::vector<Fixup> fixups_;
  std::optional<uint32_t> first_exit_;
};

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> parts;
  s = trim(s);
  if (s.empty()) return parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

Result<uint8_t> LineAssembler::reg(std::string_view s) const {
  std::string_view r = s;
  if (!r.empty() && r[0] == '%') r.remove_prefix(1);
  if (r.size() < 2 || r[0] != 'r') return fail("expected a register, got '" + std::string(s) + "'");
  auto n = parse_number(r.substr(1));
  if (!n || n->negative || n->magnitude > 15 || r[1] == '+' || r[1] == '-') {
    return fail("invalid register '" + std::string(s) + "'");
  }
  return static_cast<uint8_t>(n->magnitude);
}

Result<int32_t> LineAssembler::imm32(std::string_view s) const {
  auto n = parse_number(s);
  if (!n) return fail("expected an immediate, got '" + std::string(s) + "'");
  // Accept the signed and the unsigned 32-bit spelling (-1 and 0xffffffff are the same).
  if (n->negative ? n->magnitude > 0x80000000ULL : n->magnitude > 0xffffffffULL) {
    return fail("immediate " + std::string(s) + " does not fit in 32 bits");
  }
  const uint32_t bits = n->negative ? static_cast<uint32_t>(0 - n->magnitude) : static_cast<uint32_t>(n->magnitude);
  return static_cast<int32_t>(bits);
}

Result<int16_t> LineAssembler::off16(std::string_view s) const {
  auto n = parse_number(s);
  if (!n) return fail("expected an offset, got '" + std::string(s) + "'");
  if (n->negative ? n->magnitude > 0x8000 : n->magnitude > 0x7fff) {
    return fail("offset " + std::string(s) + " does not fit in 16 bits");
  }
  return static_cast<int16_t>(n->negative ? -static_cast<int32_t>(n->magnitude) : static_cast<int32_t>(n->magnitude));
}

Error LineAssembler::mem_operand(std::string_view s, uint8_t& base, int16_t& off) const {
  std::string compact;
  for (char c : s) if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  if (compact.size() < 3 || compact.front() != '[' || compact.back() != ']') {
    return fail("expected a memory operand [%rN+off], got '" + std::string(s) + "'");
  }
  std::string_view inner(compact);
  inner = inner.substr(1, inner.size() - 2);
  size_t sign = inner.find_first_of("+-");
  auto r = reg(inner.substr(0, sign));
  if (!r) return r.error();
  base = *r;
  off = 0;
  if (sign != std::string_view::npos) {
    auto o = off16(inner.substr(sign));
    if (!o) return o.error();
    off = *o;
  }
  return ok();
}

Error LineAssembler::target(std::string_view s, Insn& insn, bool in_imm) {
  if (s.empty()) return fail("missing jump target");
  if (s[0] == '+' || s[0] == '-' || std::isdigit(static_cast<unsigned char>(s[0]))) {
    if (in_imm) {
      auto v = imm32(s);
      if (!v) return v.error();
      insn.imm = *v;
    } else {
      auto v = off16(s);
      if (!v) return v.error();
      insn.off = *v;
    }
    return ok();
  }
  for (size_t k = 0; k < s.size(); ++k) {
    if (!is_ident_char(s[k], k == 0)) return fail("invalid label '" + std::string(s) + "'");
  }
  fixups_.push_back(Fixup{static_cast<uint32_t>(out_.insns.size()), std::string(s), line_no_, in_imm});
  return ok();
}

Error LineAssembler::expect_operands(std::string_view mnemonic, const std::vector<std::string_view>& ops, size_t n) const {
  if (ops.size() != n) {
    return fail(std::string(mnemonic) + " takes " + std::to_string(n) + " operand(s), got " + std::to_string(ops.size()));
  }
  for (auto o : ops) if (o.empty()) return fail("empty operand in " + std::string(mnemonic));
  return ok();
}

struct AluName {
  uint8_t code;
  int16_t off;
};
const std::unordered_map<std::string_view, AluName>& alu_names() {
  static const std::unordered_map<std::string_view, AluName> m = {
      {"add", {op::kAdd, 0}}, {"sub", {op::kSub, 0}},   {"mul", {op::kMul, 0}},
      {"div", {op::kDiv, 0}}, {"sdiv", {op::kDiv, 1}},  {"mod", {op::kMod, 0}},
      {"smod", {op::kMod, 1}}, {"or", {op::kOr, 0}},    {"and", {op::kAnd, 0}},
      {"lsh", {op::kLsh, 0}}, {"rsh", {op::kRsh, 0}},   {"arsh", {op::kArsh, 0}},
      {"xor", {op::kXor, 0}}, {"mov", {op::kMov, 0}},   {"neg", {op::kNeg, 0}}};
  return m;
}
const std::unordered_map<std::string_view, uint8_t>& jump_names() {
  static const std::unordered_map<std::string_view, uint8_t> m = {
      {"jeq", op::kJeq},   {"jgt", op::kJgt},   {"jge", op::kJge},   {"jset", op::kJset},
      {"jne", op::kJne},   {"jsgt", op::kJsgt}, {"jsge", op::kJsge}, {"jlt", op::kJlt},
      {"jle", op::kJle},   {"jslt", op::kJslt}, {"jsle", op::kJsle}};
  return m;
}
const std::unordered_map<std::string_view, int32_t>& atomic_names() {
  static const std::unordered_map<std::string_view, int32_t> m = {
      {"add", op::kAtomicAdd}, {"or", op::kAtomicOr},     {"and", op::kAtomicAnd},
      {"xor", op::kAtomicXor}, {"xchg", op::kAtomicXchg}, {"cmpxchg", op::kAtomicCmpxchg}};
  return m;
}

std::optional<uint8_t> size_suffix(std::string_view s) {
  if (s == "b") return op::kSizeB;
  if (s == "h") return op::kSizeH;
  if (s == "w") return op::kSizeW;
  if (s == "dw") return op::kSizeDw;
  return std::nullopt;
}

Error LineAssembler::instruction(std::string_view m, std::string_view rest) {
  Insn insn;
  const std::string mn(m);
  auto ops = split_commas(rest);
  auto emit = [&](const Insn& i) {
    out_.insns.push_back(i);
    return ok();
  };

  if (m == "exit") {
    if (Error e = expect_operands(m, ops, 0)) return e;
    if (!first_exit_) first_exit_ = static_cast<uint32_t>(out_.insns.size());
    insn.opcode = op::kExitInsn;
    return emit(insn);
  }
  if (m == "call") {
    // Operands are space separated: "call local fib", "call helper 1", "call 1".
    std::vector<std::string_view> words;
    std::string_view r = trim(rest);
    while (!r.empty()) {
      size_t sp = r.find_first_of(" \t");
      words.push_back(r.substr(0, sp));
      r = sp == std::string_view::npos ? std::string_view{} : trim(r.substr(sp));
    }
    insn.opcode = op::kCallInsn;
    if (words.size() == 2 && words[0] == "local") {
      insn.src = op::kCallLocal;
      if (Error e = target(words[1], insn, true)) return e;
      return emit(insn);
    }
    if (words.size() == 2 && words[0] == "runtime") {  // by BTF id (the verifier refuses it)
      insn.src = op::kCallBtf;
      words.erase(words.begin());
    } else if (words.size() == 2 && words[0] == "helper") {
      words.erase(words.begin());
    }
    if (words.size() != 1) {
      return fail("call takes 'N', 'helper N', '%rN', 'local TARGET' or 'runtime N'");
    }
    if (insn.src == op::kCallHelper && !words[0].empty() &&
        (words[0][0] == '%' || words[0][0] == 'r')) {  // bpf_conformance's `call %rN`: callx
      auto r = reg(words[0]);
      if (!r) return r.error();
      insn.opcode = op::kCallxInsn;
      insn.dst = *r;
      return emit(insn);
    }
    auto v = imm32(words[0]);
    if (!v) return v.error();
    insn.imm = *v;
    return emit(insn);
  }
  if (m == "callx") {  // LLVM's spelling of the same instruction
    if (Error e = expect_operands(m, ops, 1)) return e;
    auto r = reg(ops[0]);
    if (!r) return r.error();
    insn.opcode = op::kCallxInsn;
    insn.dst = *r;
    return emit(insn);
  }
  if (m == "lock") {
    // lock [fetch] OP[32] [%rD+off], %rS
    std::string_view r = trim(rest);
    bool fetch = false;
    if (r.substr(0, 6) == "fetch " || r.substr(0, 6) == "fetch\t") {
      fetch = true;
      r = trim(r.substr(6));
    }
    size_t sp = r.find_first_of(" \t[");
    std::string_view name = r.substr(0, sp);
    std::string_view operands = sp == std::string_view::npos ? std::string_view{} : r.substr(sp);
    const bool is32 = name.size() > 2 && name.substr(name.size() - 2) == "32";
    if (is32) name.remove_suffix(2);
    auto it = atomic_names().find(name);
    if (it == atomic_names().end()) return fail("unknown atomic operation '" + std::string(name) + "'");
    auto aops = split_commas(operands);
    if (Error e = expect_operands("lock", aops, 2)) return e;
    insn.opcode = op::kStx | op::kModeAtomic | (is32 ? op::kSizeW : op::kSizeDw);
    if (Error e = mem_operand(aops[0], insn.dst, insn.off)) return e;
    auto s = reg(aops[1]);
    if (!s) return s.error();
    insn.src = *s;
    insn.imm = it->second | (fetch ? op::kAtomicFetch : 0);
    return emit(insn);
  }
  if (m == "lddw") {
    if (Error e = expect_operands(m, ops, 2)) return e;
    auto d = reg(ops[0]);
    if (!d) return d.error();
    auto n = parse_number(ops[1]);
    if (!n || (n->negative && n->magnitude > 0x8000000000000000ULL)) {
      return fail("invalid 64-bit immediate '" + std::string(ops[1]) + "'");
    }
    const uint64_t v = n->negative ? 0 - n->magnitude : n->magnitude;
    insn.opcode = op::kLddw;
    insn.dst = *d;
    insn.imm = static_cast<int32_t>(static_cast<uint32_t>(v));
    Insn hi;
    hi.imm = static_cast<int32_t>(static_cast<uint32_t>(v >> 32));
    out_.insns.push_back(insn);
    return emit(hi);
  }
  if (mn.rfind("ldxs", 0) == 0 || mn.rfind("ldx", 0) == 0) {
    const bool sx = mn.rfind("ldxs", 0) == 0 && size_suffix(mn.substr(4)).has_value() && mn != "ldxdw";
    auto sz = size_suffix(mn.substr(sx ? 4 : 3));
    if (!sz || (sx && *sz == op::kSizeDw)) return fail("unknown mnemonic '" + mn + "'");
    if (Error e = expect_operands(m, ops, 2)) return e;
    auto d = reg(ops[0]);
    if (!d) return d.error();
    insn.dst = *d;
    if (Error e = mem_operand(ops[1], insn.src, insn.off)) return e;
    insn.opcode = op::kLdx | (sx ? op::kModeMemsx : op::kModeMem) | *sz;
    return emit(insn);
  }
  if (mn.rfind("stx", 0) == 0 || mn.rfind("st", 0) == 0) {
    const bool x = mn.rfind("stx", 0) == 0;
    auto sz = size_suffix(mn.substr(x ? 3 : 2));
    if (sz) {
      if (Error e = expect_operands(m, ops, 2)) return e;
      if (Error e = mem_operand(ops[0], insn.dst, insn.off)) return e;
      insn.opcode = (x ? op::kStx : op::kSt) | op::kModeMem | *sz;
      if (x) {
        auto s = reg(ops[1]);
        if (!s) return s.error();
        insn.src = *s;
      } else {
        auto v = imm32(ops[1]);
        if (!v) return v.error();
        insn.imm = *v;
      }
      return emit(insn);
    }
  }
  // Byte swaps: le/be (ALU class) and swap/bswap (ALU64), width in the mnemonic.
  for (auto [prefix, opcode] : {std::pair<std::string_view, uint8_t>{"le", op::kAlu | op::kEnd | op::kSrcK},
                                {"be", op::kAlu | op::kEnd | op::kSrcX},
                                {"swap", op::kAlu64 | op::kEnd},
                                {"bswap", op::kAlu64 | op::kEnd}}) {
    if (m.substr(0, prefix.size()) == prefix) {
      std::string_view w = m.substr(prefix.size());
      if (w == "16" || w == "32" || w == "64") {
        if (Error e = expect_operands(m, ops, 1)) return e;
        auto d = reg(ops[0]);
        if (!d) return d.error();
        insn.opcode = opcode;
        insn.dst = *d;
        insn.imm = w == "16" ? 16 : w == "32" ? 32 : 64;
        return emit(insn);
      }
    }
  }
  // Sign-extending moves: movsx<from><to>.
  if (mn.rfind("movsx", 0) == 0) {
    static const std::unordered_map<std::string_view, std::pair<uint8_t, int16_t>> kMovsx = {
        {"832", {op::kAlu, 8}}, {"1632", {op::kAlu, 16}}, {"864", {op::kAlu64, 8}},
        {"1664", {op::kAlu64, 16}}, {"3264", {op::kAlu64, 32}}};
    auto it = kMovsx.find(m.substr(5));
    if (it == kMovsx.end()) return fail("unknown mnemonic '" + mn + "'");
    if (Error e = expect_operands(m, ops, 2)) return e;
    auto d = reg(ops[0]);
    if (!d) return d.error();
    auto s = reg(ops[1]);
    if (!s) return fail("movsx needs a register source");
    insn.opcode = it->second.first | op::kMov | op::kSrcX;
    insn.dst = *d;
    insn.src = *s;
    insn.off = it->second.second;
    return emit(insn);
  }
  // Unconditional jumps.
  if (m == "ja" || m == "ja32" || m == "gotol") {
    if (Error e = expect_operands(m, ops, 1)) return e;
    const bool wide = m != "ja";
    insn.opcode = wide ? op::kJa32Insn : (op::kJmp | op::kJa);
    if (Error e = target(ops[0], insn, wide)) return e;
    return emit(insn);
  }
  // ALU and conditional jumps share the "name[32|64]" shape.
  std::string_view base = m;
  bool is32 = false;
  if (base.size() > 2 && (base.substr(base.size() - 2) == "32" || base.substr(base.size() - 2) == "64")) {
    is32 = base.substr(base.size() - 2) == "32";
    base.remove_suffix(2);
  }
  if (auto it = alu_names().find(base); it != alu_names().end()) {
    const bool neg = it->second.code == op::kNeg;
    if (Error e = expect_operands(m, ops, neg ? 1 : 2)) return e;
    auto d = reg(ops[0]);
    if (!d) return d.error();
    insn.dst = *d;
    insn.opcode = (is32 ? op::kAlu : op::kAlu64) | it->second.code;
    insn.off = it->second.off;
    if (!neg) {
      const bool is_reg = ops[1][0] == '%' || ops[1][0] == 'r';
      if (is_reg) {
        auto s = reg(ops[1]);
        if (!s) return s.error();
        insn.src = *s;
        insn.opcode |= op::kSrcX;
      } else {
        auto v = imm32(ops[1]);
        if (!v) return v.error();
        insn.imm = *v;
      }
    }
    return emit(insn);
  }
  if (auto it = jump_names().find(base); it != jump_names().end()) {
    if (Error e = expect_operands(m, ops, 3)) return e;
    auto d = reg(ops[0]);
    if (!d) return d.error();
    insn.dst = *d;
    insn.opcode = (is32 ? op::kJmp32 : op::kJmp) | it->second;
    if (ops[1][0] == '%' || ops[1][0] == 'r') {
      auto s = reg(ops[1]);
      if (!s) return s.error();
      insn.src = *s;
      insn.opcode |= op::kSrcX;
    } else {
      auto v = imm32(ops[1]);
      if (!v) return v.error();
      insn.imm = *v;
    }
    if (Error e = target(ops[2], insn, false)) return e;
    return emit(insn);
  }
  return fail("unknown mnemonic '" + mn + "'");
}

Error LineAssembler::line(std::string_view text) {
  size_t cut = text.find_first_of("#;");
  if (cut != std::string_view::npos) text = text.substr(0, cut);
  text = trim(text);
  // Any number of leading "label:" definitions.
  for (;;) {
    size_t k = 0;
    while (k < text.size() && is_ident_char(text[k], k == 0)) ++k;
    if (k == 0 || k >= text.size() || text[k] != ':') break;
    std::string name(text.substr(0, k));
    const uint32_t pc = static_cast<uint32_t>(out_.insns.size());
    if (!label_pc_.emplace(name, pc).second) return fail("duplicate label '" + name + "'");
    out_.labels.emplace(pc, name);  // keeps the first label of a slot
    text = trim(text.substr(k + 1));
  }
  if (text.empty()) return ok();
  size_t sp = text.find_first_of(" \t");
  std::string mnemonic(text.substr(0, sp));
  for (char& c : mnemonic) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return instruction(mnemonic, sp == std::string_view::npos ? std::string_view{} : text.substr(sp));
}

Result<AssembledProgram> LineAssembler::run(std::string_view text) {
  for (;;) {
    size_t nl = text.find('\n');
    ++line_no_;
    if (Error e = line(text.substr(0, nl))) return e;
    if (nl == std::string_view::npos) break;
    text = text.substr(nl + 1);
  }
  if (first_exit_ && label_pc_.count("exit") == 0) label_pc_.emplace("exit", *first_exit_);
  for (const Fixup& f : fixups_) {
    auto it = label_pc_.find(f.label);
    if (it == label_pc_.end()) {
      return Error(ErrorCode::kParseError, "line " + std::to_string(f.line) + ": undefined label '" + f.label + "'");
    }
    const int64_t delta = int64_t{it->second} - int64_t{f.pc} - 1;
    Insn& insn = out_.insns[f.pc];
    if (f.in_imm) {
      insn.imm = static_cast<int32_t>(delta);
    } else {
      if (delta < INT16_MIN || delta > INT16_MAX) {
        return Error(ErrorCode::kParseError, "line " + std::to_string(f.line) + ": jump to '" + f.label +
                                                 "' is out of 16-bit range (use ja32)");
      }
      insn.off = static_cast<int16_t>(delta);
    }
  }
  return std::move(out_);
}

}  // namespace

Result<AssembledProgram> assemble(std::string_view text, int first_line) {
  return LineAssembler(first_line).run(text);
}

}  // namespace rvjit::ebpf
