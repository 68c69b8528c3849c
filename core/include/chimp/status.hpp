// Status and Result<T>: how every core API reports success or failure.
//
// A Status is either OK or carries a code and a message. The code says what
// the caller should do (fix the input, retry the run, fix the state first);
// the message names the thing, the bad value and its source. No exception
// crosses a core API: errors travel as Status values and are printed once,
// at the top (tools/).
//
// Errors propagate with CHIMP_RETURN_IF_ERROR and CHIMP_ASSIGN_OR_RETURN.
#ifndef CHIMP_STATUS_HPP_
#define CHIMP_STATUS_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace chimp {

// Few codes, chosen by what the caller should do. The command line maps each
// to a documented exit code (README "Exit codes").
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input: a flag, a config value, a version string
  kNotFound,            // a file, a version or a step that does not exist
  kPluginError,         // a plugin could not be discovered, loaded or validated
  kPlanError,           // no path, a cycle, a downgrade, a conflicting graph
  kDatabaseError,       // the server refused a statement or a query
  kUnavailable,         // the server is gone or unreachable: retry the call
  kLockTimeout,         // another run holds the lock: retry the run
  kStepFailed,          // a migration step failed; the changelog says where
  kFailedPrecondition,  // the database is in a state that must be fixed first
  kInternal,            // a bug in chimp
  kBackupFailed,        // migrate --backup could not dump: nothing was run
  kCheckFailed,         // a check step (pre-flight or sanity) found the database
                        // not as the plugin requires: fix the data, run again
};

// Returns the stable lower-case name of `code`, e.g. "plugin error".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // Creates an OK status.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status PluginError(std::string msg) { return {StatusCode::kPluginError, std::move(msg)}; }
  static Status PlanError(std::string msg) { return {StatusCode::kPlanError, std::move(msg)}; }
  static Status DatabaseError(std::string msg) { return {StatusCode::kDatabaseError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status LockTimeout(std::string msg) { return {StatusCode::kLockTimeout, std::move(msg)}; }
  static Status StepFailed(std::string msg) { return {StatusCode::kStepFailed, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status BackupFailed(std::string msg) { return {StatusCode::kBackupFailed, std::move(msg)}; }
  static Status CheckFailed(std::string msg) { return {StatusCode::kCheckFailed, std::move(msg)}; }

  // The server's error, when the status comes from one: its number (e.g.
  // 1049, ER_BAD_DB_ERROR; 0 when the error did not come from the server or
  // the client library) and SQLSTATE ("42000"; "" when none). Callers branch
  // on these, never on the message text. WithContext() keeps them.
  uint32_t server_errno() const { return server_errno_; }
  const std::string& sqlstate() const { return sqlstate_; }
  // Returns a copy that carries the server's error number and SQLSTATE.
  Status WithServerError(uint32_t server_errno, std::string sqlstate) const;
  // Returns a copy with `code`, the message and server error kept: for a
  // caller that decides what an error means for its own caller (a refused
  // statement inside a step is a failed step). An unavailable server stays
  // unavailable whatever `code` asks: the caller must retry the call.
  Status WithCode(StatusCode code) const;

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // "OK", or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  uint32_t server_errno_ = 0;
  std::string sqlstate_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  // REQUIRES: !status.ok().
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(data_).ok()) data_ = Status::Internal("Result built from an OK status");
  }

  bool ok() const { return data_.index() == 0; }
  // Returns OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<1>(data_); }

  // REQUIRES: ok().
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace chimp

// Implementation details; do not rely on anything below here.
#define CHIMP_INTERNAL_CONCAT2(a, b) a##b
#define CHIMP_INTERNAL_CONCAT(a, b) CHIMP_INTERNAL_CONCAT2(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define CHIMP_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::chimp::Status chimp_status_ = (expr);        \
    if (!chimp_status_.ok()) return chimp_status_; \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, otherwise
// moves the value into `lhs` (a declaration such as `auto x` or an lvalue).
#define CHIMP_ASSIGN_OR_RETURN(lhs, rexpr) \
  CHIMP_INTERNAL_ASSIGN_OR_RETURN(CHIMP_INTERNAL_CONCAT(chimp_result_, __LINE__), lhs, rexpr)
#define CHIMP_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                    \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(tmp).value()

#endif  // CHIMP_STATUS_HPP_
