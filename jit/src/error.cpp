#include "rvjit/error.h"

namespace rvjit {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kImmediateOutOfRange: return "ImmediateOutOfRange";
    case ErrorCode::kMisalignedImmediate: return "MisalignedImmediate";
    case ErrorCode::kInvalidRegister: return "InvalidRegister";
    case ErrorCode::kUnboundLabel: return "UnboundLabel";
    case ErrorCode::kInvalidLabel: return "InvalidLabel";
    case ErrorCode::kBranchOutOfRange: return "BranchOutOfRange";
    case ErrorCode::kBufferFull: return "BufferFull";
    case ErrorCode::kOutOfMemory: return "OutOfMemory";
    case ErrorCode::kCodeCacheFull: return "CodeCacheFull";
    case ErrorCode::kMisalignedAddress: return "MisalignedAddress";
    case ErrorCode::kForeignAddress: return "ForeignAddress";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kPolicyUnavailable: return "PolicyUnavailable";
    case ErrorCode::kRendezvousTimeout: return "RendezvousTimeout";
    case ErrorCode::kSignalBlocked: return "SignalBlocked";
    case ErrorCode::kNestedCall: return "NestedCall";
    case ErrorCode::kBusy: return "Busy";
    case ErrorCode::kSystemError: return "SystemError";
    case ErrorCode::kParseError: return "ParseError";
  }
  return "Unknown";
}

std::string Error::to_string() const {
  std::string s = error_code_name(code_);
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace rvjit
