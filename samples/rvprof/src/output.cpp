#include "rvprof/output.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

namespace rvprof {
namespace {

rvjit::Error write_file(const std::string& path, const std::function<void(std::ostream&)>& fn) {
  // Write a sibling temp file and rename it: a reader never sees half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return rvjit::Error(rvjit::ErrorCode::kSystemError,
                                "cannot write " + tmp + ": " + std::strerror(errno));
    fn(f);
    f.flush();
    if (!f) return rvjit::Error(rvjit::ErrorCode::kSystemError, "write failed: " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return rvjit::Error(rvjit::ErrorCode::kSystemError, "rename " + tmp + ": " + ec.message());
  return {};
}

}  // namespace

rvjit::Result<OutputPaths> write_outputs(const Profile& p, const std::string& dir,
                                         const std::string& title, const TableOptions& table) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return rvjit::Error(rvjit::ErrorCode::kSystemError, "cannot create " + dir + ": " + ec.message());
  std::filesystem::path base = std::filesystem::absolute(dir, ec);
  if (ec) base = dir;
  OutputPaths out{(base / "profile.folded").string(), (base / "flamegraph.svg").string(),
                  (base / "trace.json").string(), (base / "table.txt").string()};
  TableOptions all = table;
  all.top = 0;  // the file has every function
  if (auto e = write_file(out.folded, [&](std::ostream& s) { write_folded(s, p); })) return e;
  if (auto e = write_file(out.svg, [&](std::ostream& s) { write_svg(s, p, title); })) return e;
  if (auto e = write_file(out.trace, [&](std::ostream& s) { write_chrome_trace(s, p, title); }))
    return e;
  if (auto e = write_file(out.table, [&](std::ostream& s) { write_table(s, p, all); })) return e;
  return out;
}

}  // namespace rvprof
