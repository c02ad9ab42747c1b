// The li search of commit f6fbae7, kept as a reference for li_reference_test.cpp.
#pragma once

#include <cstdint>

#include "rvjit/jit/li.h"

namespace rvjit::li_reference {
LiSequence li_sequence_reference(int64_t value, JitTarget target) noexcept;
}  // namespace rvjit::li_reference
