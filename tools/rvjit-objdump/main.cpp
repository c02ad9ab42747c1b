// rvjit-objdump: disassembles the functions of a perf jitdump file written by rvjit (or
// any JIT emitting RV64 code). See listing.h for the output and the hook-site marking.
//   rvjit-objdump [--no-bytes] jit-<pid>.dump
// Exit status: 0 printed, 1 the file is unreadable or malformed, 2 usage.
#include <cstdio>
#include <cstring>
#include <string>

#include "listing.h"

int main(int argc, char** argv) {
  rvjit::objdump::ListingOptions options;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-bytes") == 0) {
      options.show_bytes = false;
    } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0 ||
               path != nullptr || argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s [--no-bytes] <jitdump file>\n", argv[0]);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (path == nullptr) {
    std::fprintf(stderr, "usage: %s [--no-bytes] <jitdump file>\n", argv[0]);
    return 2;
  }
  auto listing = rvjit::objdump::render_jitdump_file(path, options);
  if (!listing.ok()) {
    std::fprintf(stderr, "rvjit-objdump: %s\n", listing.error().to_string().c_str());
    return 1;
  }
  std::fwrite(listing->data(), 1, listing->size(), stdout);
  return 0;
}
