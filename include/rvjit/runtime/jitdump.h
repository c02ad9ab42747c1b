// Jitdump: perf's binary record of JIT code (tools/perf/Documentation/
// jitdump-specification.txt in the Linux tree). Unlike a perf map it keeps the code
// bytes, so `perf inject --jit` can build an ELF per function and annotate samples with
// instructions, and code that is released and replaced at the same address stays
// distinguishable by its timestamp.
//
//   auto dump = rvjit::JitdumpWriter::open();  // $JITDUMPDIR or /tmp, jit-<pid>.dump
//   cache.add_listener(dump->get());
//   ... perf record -k mono ./vm; perf inject --jit -i perf.data -o perf.jit.data
//
// Timestamps are CLOCK_MONOTONIC nanoseconds (flags bit JITDUMP_FLAGS_ARCH_TIMESTAMP is
// clear), so record with `perf record -k mono` for perf to match them with its samples.
//
// This header also holds a reader (parse_jitdump) shared by the tests and rvjit-objdump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rvjit/error.h"
#include "rvjit/runtime/code_events.h"

namespace rvjit {

namespace jitdump {
inline constexpr uint32_t kMagic = 0x4A695444;         // "JiTD" as a native-endian u32
inline constexpr uint32_t kMagicSwapped = 0x4454694A;  // written by the other endianness
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kEmX86_64 = 62;
inline constexpr uint32_t kEmAarch64 = 183;
inline constexpr uint32_t kEmRiscv = 243;

// Record ids of the specification.
enum RecordId : uint32_t {
  kCodeLoad = 0,
  kCodeMove = 1,
  kCodeDebugInfo = 2,
  kCodeClose = 3,
  kCodeUnwindingInfo = 4,
};

// On-disk layouts, native endianness, no padding (every field is naturally aligned).
struct FileHeader {
  uint32_t magic;
  uint32_t version;
  uint32_t total_size;  // size of this header; records start at this offset
  uint32_t elf_mach;    // EM_* of the code in the file
  uint32_t pad1;
  uint32_t pid;
  uint64_t timestamp;
  uint64_t flags;
};
static_assert(sizeof(FileHeader) == 40);

struct RecordHeader {
  uint32_t id;
  uint32_t total_size;  // whole record, this header included
  uint64_t timestamp;
};
static_assert(sizeof(RecordHeader) == 16);

// JIT_CODE_LOAD after its RecordHeader; followed by name\0 and code_size bytes of code.
struct CodeLoadBody {
  uint32_t pid;
  uint32_t tid;
  uint64_t vma;        // virtual address of the code (equal to code_addr here)
  uint64_t code_addr;
  uint64_t code_size;
  uint64_t code_index;
};
static_assert(sizeof(CodeLoadBody) == 40);

// EM_* of the machine this binary runs on (EM_RISCV on RV64, EM_X86_64 on the host).
uint32_t native_elf_mach();
}  // namespace jitdump

// Writes a jitdump file. Thread-safe: records from concurrent installs are serialised.
class JitdumpWriter final : public CodeEventListener {
 public:
  // Creates (truncates) `path` and writes the file header. An empty path means
  // default_path(). Fails with kSystemError if the file cannot be created or mapped.
  static Result<std::unique_ptr<JitdumpWriter>> open(const std::string& path = "");
  // $JITDUMPDIR/jit-<pid>.dump, or /tmp/jit-<pid>.dump: perf recognises the file by
  // the name "jit-<pid>.dump".
  static std::string default_path();

  ~JitdumpWriter() override;  // close()s
  JitdumpWriter(const JitdumpWriter&) = delete;
  JitdumpWriter& operator=(const JitdumpWriter&) = delete;

  // Appends a JIT_CODE_LOAD record (name and a copy of the code bytes).
  void on_code_load(const CodeLoadEvent& event) override;
  // The format has no unload record: perf tells old and new code at one address apart
  // by the load timestamps. Nothing to write.
  void on_code_release(const CodeReleaseEvent& event) override {}

  // Appends JIT_CODE_CLOSE, unmaps the marker and closes the file. Idempotent; loads
  // after close are dropped. Returns the first write error seen since open.
  Error close();

  const std::string& path() const { return path_; }
  // First write error since open (ok() if none); listeners cannot return errors.
  Error last_error() const;

 private:
  JitdumpWriter(int fd, void* marker, size_t marker_size, std::string path)
      : fd_(fd), marker_(marker), marker_size_(marker_size), path_(std::move(path)) {}
  void write_all(const void* const* parts, const size_t* sizes, int count);
  int fd_;
  void* marker_;
  size_t marker_size_;
  std::string path_;
  mutable std::mutex mu_;
  Error error_;
};

// ---- Reader -------------------------------------------------------------------------

struct JitdumpCodeLoad {
  uint64_t file_offset;  // where the record starts in the file
  uint64_t timestamp;
  uint32_t pid;
  uint32_t tid;
  uint64_t vma;
  uint64_t code_addr;
  uint64_t code_index;
  std::string name;
  std::vector<uint8_t> code;  // code_size bytes
};

struct JitdumpFile {
  jitdump::FileHeader header;
  std::vector<JitdumpCodeLoad> loads;  // in file order
  bool closed = false;                 // a JIT_CODE_CLOSE record was seen
  size_t skipped_records = 0;          // records of other ids (move, debug info, ...)
};

// Parses a whole jitdump image. Malformed input (bad magic, a record running past the
// end, a name without NUL, a size that does not add up) gives kParseError with a message
// naming the byte offset of the problem; it never reads out of bounds.
Result<JitdumpFile> parse_jitdump(const uint8_t* data, size_t size);
// Reads `path` and parses it; kSystemError if it cannot be read.
Result<JitdumpFile> read_jitdump_file(const std::string& path);

}  // namespace rvjit
