// rvjit's one error model.
//
// Every fallible operation in rvjit reports an rvjit::Error: a machine-readable code plus
// a human-readable message that names the operation and the offending value (for example
// "addi: immediate 4096 out of range [-2048, 2047]"). It reaches the caller in one of two
// ways, and never as an exception, an abort or silent truncation:
//   * functions return Result<T> (a value or an Error) or Error (ok() when it succeeded);
//   * the Assembler's emit methods are "sticky" like AsmJit's: the first error is kept,
//     later emits become no-ops, and finalize() returns that error. A caller may test
//     Assembler::error() after any emit.
// Nothing here allocates on the success path; an Error's message is built only on failure.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace rvjit {

enum class ErrorCode : uint16_t {
  kOk = 0,
  kInvalidArgument,       // a parameter makes no sense (null pointer, bad size, ...)
  kImmediateOutOfRange,   // an immediate does not fit its field
  kMisalignedImmediate,   // an offset that must be a multiple of 2/4/8 is not
  kInvalidRegister,       // register not allowed (x0 where illegal, not x8-x15 for C)
  kUnboundLabel,          // a referenced label was never bound
  kInvalidLabel,          // label from another assembler, bound twice, or never created
  kBranchOutOfRange,      // a fixed-size reference cannot reach its target
  kBufferFull,            // a caller-provided buffer is too small
  kOutOfMemory,           // an allocation failed
  kCodeCacheFull,         // no room left in the code cache
  kMisalignedAddress,     // a patch or code address with the wrong alignment
  kForeignAddress,        // an address outside published JIT code
  kNotFound,              // a name, id or address that is not known
  kUnsupported,           // the platform or the configuration cannot do this
  kPolicyUnavailable,     // a W^X policy or sync strategy the probe found unusable
  kRendezvousTimeout,     // a registered thread did not answer in time
  kSignalBlocked,         // a registered thread blocks the rendezvous signal
  kNestedCall,            // stop_the_world called from inside its own callback
  kBusy,                  // the resource is in use (e.g. released code still running)
  kSystemError,           // a system call failed; the message carries errno's text
  kParseError,            // malformed textual input
};

// Stable, short name of a code ("ImmediateOutOfRange"); never null.
const char* error_code_name(ErrorCode code) noexcept;

class [[nodiscard]] Error {
 public:
  Error() noexcept = default;  // success
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const noexcept { return code_ == ErrorCode::kOk; }
  explicit operator bool() const noexcept { return !ok(); }  // true when it IS an error
  ErrorCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // "<CodeName>: <message>", for logs and test failure output.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Error ok() { return Error(); }

// A value or an Error. Access the value only after checking ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}          // NOLINT: implicit by design
  Result(ErrorCode code, std::string msg) : v_(Error(code, std::move(msg))) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error take_error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace rvjit
