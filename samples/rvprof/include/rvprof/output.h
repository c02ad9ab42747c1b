// Writes the profile's files into a directory (created if missing):
//   profile.folded, flamegraph.svg, trace.json, table.txt
#pragma once

#include <string>

#include "rvjit/error.h"
#include "rvprof/profile.h"
#include "rvprof/writers.h"

namespace rvprof {

struct OutputPaths {
  std::string folded, svg, trace, table;
};

rvjit::Result<OutputPaths> write_outputs(const Profile& p, const std::string& dir,
                                         const std::string& title, const TableOptions& table);

}  // namespace rvprof
