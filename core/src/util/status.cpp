#include "chimp/status.hpp"

namespace chimp {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kPluginError: return "plugin error";
    case StatusCode::kPlanError: return "plan error";
    case StatusCode::kDatabaseError: return "database error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kLockTimeout: return "lock timeout";
    case StatusCode::kStepFailed: return "step failed";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kInternal: return "internal error";
    case StatusCode::kBackupFailed: return "backup failed";
    case StatusCode::kCheckFailed: return "check failed";
  }
  return "unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  Status out(code_, std::move(msg));
  out.server_errno_ = server_errno_;
  out.sqlstate_ = sqlstate_;
  return out;
}

Status Status::WithServerError(uint32_t server_errno, std::string sqlstate) const {
  if (ok()) return *this;
  Status out = *this;
  out.server_errno_ = server_errno;
  out.sqlstate_ = std::move(sqlstate);
  return out;
}

Status Status::WithCode(StatusCode code) const {
  if (ok() || code_ == StatusCode::kUnavailable) return *this;
  Status out = *this;
  out.code_ = code;
  return out;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace chimp
