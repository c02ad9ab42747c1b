// Labels: symbolic positions in the code an Assembler produces.
//
// A Label is a small value handle created by Assembler::new_label(). It can be referenced
// (branches, jal/j, call/tail, la, literal loads) before or after it is bound with
// Assembler::bind(). The handle carries the identity of the Assembler that created it, so
// using it with another Assembler is reported (ErrorCode::kInvalidLabel) instead of
// silently resolving to an unrelated position.
#pragma once

#include <cstdint>

namespace rvjit {

struct Label {
  static constexpr uint32_t kInvalidId = 0xffffffffu;
  uint32_t id = kInvalidId;  // index in the owning Assembler's label table
  uint32_t owner = 0;        // serial number of the owning Assembler (0: none)

  // False for a default-constructed Label (one never returned by new_label()).
  constexpr bool valid() const { return id != kInvalidId; }
  constexpr bool operator==(const Label&) const = default;
};

}  // namespace rvjit
