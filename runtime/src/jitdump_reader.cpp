// parse_jitdump: the reader for rvjit-objdump and the tests. Every length in the file is
// checked against the bytes that remain before it is used, so a truncated or corrupted
// file gives a kParseError naming the offset instead of an out-of-bounds read.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "rvjit/runtime/jitdump.h"

namespace rvjit {
namespace {

Error parse_error(uint64_t offset, const std::string& what) {
  return Error(ErrorCode::kParseError,
               "jitdump: offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

Result<JitdumpFile> parse_jitdump(const uint8_t* data, size_t size) {
  using namespace jitdump;
  JitdumpFile out{};
  if (data == nullptr && size != 0) return Error(ErrorCode::kInvalidArgument, "jitdump: null data");
  if (size < sizeof(FileHeader)) {
    return parse_error(0, "file header truncated (" + std::to_string(size) + " of " +
                              std::to_string(sizeof(FileHeader)) + " bytes)");
  }
  std::memcpy(&out.header, data, sizeof(FileHeader));
  const FileHeader& h = out.header;
  if (h.magic == kMagicSwapped) return parse_error(0, "file of the other byte order");
  if (h.magic != kMagic) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "bad magic 0x%08x (want 0x%08x)", h.magic, kMagic);
    return parse_error(0, buf);
  }
  if (h.version != kVersion)
    return parse_error(4, "unsupported version " + std::to_string(h.version));
  if (h.total_size < sizeof(FileHeader) || h.total_size > size)
    return parse_error(8, "header size " + std::to_string(h.total_size) + " out of range");

  uint64_t off = h.total_size;
  while (off < size) {
    if (size - off < sizeof(RecordHeader)) {
      return parse_error(off, "record header truncated (" + std::to_string(size - off) +
                                  " bytes left)");
    }
    RecordHeader rh;
    std::memcpy(&rh, data + off, sizeof(rh));
    if (rh.total_size < sizeof(RecordHeader))
      return parse_error(off, "record size " + std::to_string(rh.total_size) + " too small");
    if (rh.total_size > size - off) {
      return parse_error(off, "record of " + std::to_string(rh.total_size) +
                                  " bytes runs past the end of the file (" +
                                  std::to_string(size - off) + " bytes left)");
    }
    const uint8_t* rec = data + off;
    const uint64_t rec_size = rh.total_size;
    if (rh.id == kCodeLoad) {
      constexpr size_t fixed = sizeof(RecordHeader) + sizeof(CodeLoadBody);
      if (rec_size < fixed + 1)
        return parse_error(off, "code load record of " + std::to_string(rec_size) +
                                    " bytes is shorter than its fixed part");
      CodeLoadBody body;
      std::memcpy(&body, rec + sizeof(RecordHeader), sizeof(body));
      const uint8_t* name = rec + fixed;
      const void* nul = std::memchr(name, 0, rec_size - fixed);
      if (nul == nullptr) return parse_error(off + fixed, "function name is not NUL-terminated");
      uint64_t name_size = static_cast<const uint8_t*>(nul) - name + 1;
      uint64_t code_space = rec_size - fixed - name_size;
      if (body.code_size != code_space) {
        return parse_error(off, "code size " + std::to_string(body.code_size) +
                                    " does not match the record (" +
                                    std::to_string(code_space) + " bytes of code)");
      }
      JitdumpCodeLoad load;
      load.file_offset = off;
      load.timestamp = rh.timestamp;
      load.pid = body.pid;
      load.tid = body.tid;
      load.vma = body.vma;
      load.code_addr = body.code_addr;
      load.code_index = body.code_index;
      load.name.assign(reinterpret_cast<const char*>(name), name_size - 1);
      load.code.assign(name + name_size, name + name_size + code_space);
      out.loads.push_back(std::move(load));
    } else if (rh.id == kCodeClose) {
      out.closed = true;
    } else {
      ++out.skipped_records;  // move, debug and unwinding info: not needed here
    }
    off += rec_size;
  }
  return out;
}

Result<JitdumpFile> read_jitdump_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kSystemError,
                 "jitdump: cannot open " + path + ": " + std::strerror(errno));
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return Error(ErrorCode::kSystemError, "jitdump: cannot read " + path);
  return parse_jitdump(bytes.data(), bytes.size());
}

}  // namespace rvjit
