// LlvmMcOracle implementation: a capturing MCStreamer fed by LLVM's own asm parser.
#include "llvm_mc_oracle.h"

#include <mutex>

#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCCodeEmitter.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCDisassembler/MCDisassembler.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstPrinter.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCObjectFileInfo.h"
#include "llvm/MC/MCParser/MCAsmParser.h"
#include "llvm/MC/MCParser/MCTargetAsmParser.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCStreamer.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "riscv_mc_core.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

namespace rvjit::test {
namespace {

// Receives the parser's instructions and encodes them on the spot; everything that is
// not an instruction (sections, symbols) is accepted and ignored.
class CaptureStreamer final : public llvm::MCStreamer {
 public:
  CaptureStreamer(llvm::MCContext& ctx, llvm::MCCodeEmitter& emitter)
      : MCStreamer(ctx), emitter_(emitter) {}

  // Who asks for the line of each instruction (set per parser run).
  std::function<unsigned(const llvm::MCInst&)> line_of;
  // Per emitted instruction: the line it came from and its bytes (or a fixup error).
  struct Emitted { unsigned line; std::vector<uint8_t> bytes; bool has_fixup; };
  std::vector<Emitted> emitted;

  void emitInstruction(const llvm::MCInst& inst, const llvm::MCSubtargetInfo& sti) override {
    llvm::SmallVector<char, 8> code;
    llvm::SmallVector<llvm::MCFixup, 2> fixups;
    emitter_.encodeInstruction(inst, code, fixups, sti);
    emitted.push_back({line_of ? line_of(inst) : 0u,
                       std::vector<uint8_t>(code.begin(), code.end()), !fixups.empty()});
  }
  bool emitSymbolAttribute(llvm::MCSymbol*, llvm::MCSymbolAttr) override { return true; }
  void emitCommonSymbol(llvm::MCSymbol*, uint64_t, llvm::Align) override {}
  void emitZerofill(llvm::MCSection*, llvm::MCSymbol*, uint64_t, llvm::Align,
                    llvm::SMLoc) override {}

 private:
  llvm::MCCodeEmitter& emitter_;
};

}  // namespace

struct LlvmMcOracle::Impl : llvm_mc::RiscvMcCore {
  std::unique_ptr<llvm::MCObjectFileInfo> mofi;
  std::unique_ptr<llvm::MCCodeEmitter> emitter;
  std::unique_ptr<llvm::MCDisassembler> disasm;
  std::unique_ptr<llvm::MCInstPrinter> printer;
  std::unique_ptr<CaptureStreamer> streamer;

  // Parse `text` (one buffer); diagnostics are appended to `diags` with their line.
  void run(std::string_view text, std::vector<std::pair<unsigned, std::string>>& diags) {
    llvm::SourceMgr sm;
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(
                              llvm::StringRef(text.data(), text.size()), "oracle"),
                          llvm::SMLoc());
    struct DiagSink { std::vector<std::pair<unsigned, std::string>>* out; };
    DiagSink sink{&diags};
    sm.setDiagHandler(
        [](const llvm::SMDiagnostic& d, void* p) {
          if (d.getKind() != llvm::SourceMgr::DK_Error) return;
          static_cast<DiagSink*>(p)->out->emplace_back(
              static_cast<unsigned>(d.getLineNo()), d.getMessage().str());
        },
        &sink);
    ctx->setDiagnosticHandler([&diags](const llvm::SMDiagnostic& d, bool, const llvm::SourceMgr&,
                                       std::vector<const llvm::MDNode*>&) {
      if (d.getKind() == llvm::SourceMgr::DK_Error)
        diags.emplace_back(static_cast<unsigned>(d.getLineNo()), d.getMessage().str());
    });
    std::unique_ptr<llvm::MCAsmParser> parser(
        llvm::createMCAsmParser(sm, *ctx, *streamer, *mai));
    std::unique_ptr<llvm::MCTargetAsmParser> tap(
        target->createMCAsmParser(*sti, *parser, *mii, options));
    parser->setTargetParser(*tap);
    // The parser gives each instruction the location of its mnemonic; RVC compression
    // builds a fresh MCInst without one, and then the parser has already moved to the
    // first token of the next line.
    llvm::MCAsmParser* p = parser.get();
    streamer->line_of = [&sm, p](const llvm::MCInst& inst) -> unsigned {
      if (inst.getLoc().isValid()) return sm.getLineAndColumn(inst.getLoc()).first;
      return sm.getLineAndColumn(p->getTok().getLoc()).first - 1;
    };
    parser->Run(/*NoInitialTextSection=*/false);
    streamer->line_of = nullptr;
  }
};

LlvmMcOracle::LlvmMcOracle(std::string features) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (std::string err = llvm_mc::init_riscv_mc(m, features); !err.empty())
    llvm::report_fatal_error(llvm::StringRef(err));
  llvm::Triple triple(llvm_mc::kRiscv64Triple);
  m.mofi.reset(m.target->createMCObjectFileInfo(*m.ctx, /*PIC=*/true));
  m.ctx->setObjectFileInfo(m.mofi.get());
  m.emitter.reset(m.target->createMCCodeEmitter(*m.mii, *m.ctx));
  m.disasm.reset(m.target->createMCDisassembler(*m.sti, *m.ctx));
  m.printer.reset(m.target->createMCInstPrinter(triple, 0, *m.mai, *m.mii, *m.mri));
  m.printer->applyTargetSpecificCLOption("no-aliases");
  m.streamer = std::make_unique<CaptureStreamer>(*m.ctx, *m.emitter);
  // `.option` and other target directives dereference the target streamer.
  m.target->createNullTargetStreamer(*m.streamer);
}

LlvmMcOracle::~LlvmMcOracle() = default;

LlvmMcOracle::Assembled LlvmMcOracle::assemble(std::string_view text) {
  std::vector<std::pair<unsigned, std::string>> diags;
  impl_->streamer->emitted.clear();
  std::string buf(text);
  buf += '\n';
  impl_->run(buf, diags);
  Assembled out;
  for (auto& e : impl_->streamer->emitted) {
    out.bytes.insert(out.bytes.end(), e.bytes.begin(), e.bytes.end());
    if (e.has_fixup && diags.empty()) diags.emplace_back(e.line, "instruction needs a fixup");
  }
  for (auto& [line, msg] : diags) {
    if (!out.error.empty()) out.error += '\n';
    out.error += std::to_string(line) + ": " + msg;
  }
  return out;
}

std::vector<LlvmMcOracle::Assembled> LlvmMcOracle::assemble_lines(
    const std::vector<std::string>& lines) {
  std::string buf;
  for (const auto& l : lines) { buf += l; buf += '\n'; }
  std::vector<std::pair<unsigned, std::string>> diags;
  impl_->streamer->emitted.clear();
  impl_->run(buf, diags);
  std::vector<Assembled> out(lines.size());
  for (auto& e : impl_->streamer->emitted) {
    if (e.line == 0 || e.line > lines.size()) continue;
    auto& r = out[e.line - 1];
    r.bytes.insert(r.bytes.end(), e.bytes.begin(), e.bytes.end());
    if (e.has_fixup) r.error = "instruction needs a fixup";
  }
  for (auto& [line, msg] : diags) {
    if (line == 0 || line > lines.size()) continue;
    auto& r = out[line - 1];
    if (!r.error.empty()) r.error += '\n';
    r.error += msg;
  }
  return out;
}

std::string LlvmMcOracle::disassemble(const uint8_t* bytes, size_t n, size_t* size) {
  llvm::MCInst inst;
  uint64_t len = 0;
  if (size) *size = 0;
  if (impl_->disasm->getInstruction(inst, len, llvm::ArrayRef<uint8_t>(bytes, n), 0,
                                    llvm::nulls()) != llvm::MCDisassembler::Success)
    return {};
  std::string text;
  llvm::raw_string_ostream os(text);
  impl_->printer->printInst(&inst, 0, "", *impl_->sti, os);
  os.flush();
  // The printer indents with a tab and separates mnemonic and operands with one.
  size_t b = text.find_first_not_of(" \t");
  text = b == std::string::npos ? std::string() : text.substr(b);
  for (auto& c : text) if (c == '\t') c = ' ';
  if (size) *size = static_cast<size_t>(len);
  return text;
}

size_t LlvmMcOracle::encode(const llvm::MCInst& inst, std::vector<uint8_t>& out) {
  llvm::SmallVector<char, 8> code;
  llvm::SmallVector<llvm::MCFixup, 2> fixups;
  impl_->emitter->encodeInstruction(inst, code, fixups, *impl_->sti);
  out.insert(out.end(), code.begin(), code.end());
  return code.size();
}

unsigned LlvmMcOracle::opcode(std::string_view name) const {
  for (unsigned i = 0, n = impl_->mii->getNumOpcodes(); i < n; ++i)
    if (impl_->mii->getName(i) == llvm::StringRef(name.data(), name.size())) return i;
  return 0;
}

unsigned LlvmMcOracle::reg(std::string_view name) const {
  for (unsigned i = 1, n = impl_->mri->getNumRegs(); i < n; ++i)
    if (llvm::StringRef(impl_->mri->getName(i)) == llvm::StringRef(name.data(), name.size()))
      return i;
  return 0;
}

llvm::MCContext& LlvmMcOracle::context() { return *impl_->ctx; }
const llvm::MCSubtargetInfo& LlvmMcOracle::subtarget() const { return *impl_->sti; }
llvm::MCCodeEmitter& LlvmMcOracle::code_emitter() { return *impl_->emitter; }
const llvm::MCInstrInfo& LlvmMcOracle::instr_info() const { return *impl_->mii; }
const llvm::MCRegisterInfo& LlvmMcOracle::register_info() const { return *impl_->mri; }

}  // namespace rvjit::test
