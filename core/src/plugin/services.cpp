#include "plugin/services.hpp"

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recovery/fault_points.hpp"
#include "util/log.hpp"

namespace chimp {

namespace {

const char* StatusName(chimp_status status) {
  switch (status) {
    case CHIMP_OK: return "ok";
    case CHIMP_ERROR: return "error";
    case CHIMP_REFUSED: return "refused";
    case CHIMP_CANCELLED: return "cancelled";
    case CHIMP_CHECK_FAILED: return "check failed";
    case CHIMP_BAD_ARGUMENT: return "bad argument";
    case CHIMP_DB_ERROR: return "database error";
    case CHIMP_STOP: return "stop";
  }
  return nullptr;
}

// Records `message` as the step's reason and returns `status`.
chimp_status Fail(chimp_session* session, chimp_status status, std::string message) noexcept {
  try {
    session->error = std::move(message);
  } catch (...) {
    // Out of memory: the status alone must do.
  }
  return status;
}

chimp_status FailFromStatus(chimp_session* session, const Status& s) noexcept {
  if (s.code() == StatusCode::kUnavailable) session->server_lost = true;
  return Fail(session, s.code() == StatusCode::kInvalidArgument ? CHIMP_BAD_ARGUMENT : CHIMP_DB_ERROR, s.message());
}

// Service entry guard: the session and the SQL are present, and there is a
// connection. Returns CHIMP_OK when the call may go on.
chimp_status Precheck(chimp_session* session, const char* service, const char* sql) noexcept {
  if (session == nullptr) return CHIMP_BAD_ARGUMENT;
  if (sql == nullptr) return Fail(session, CHIMP_BAD_ARGUMENT, std::string(service) + ": sql is NULL");
  if (session->conn == nullptr) return Fail(session, CHIMP_ERROR, std::string(service) + ": no database connection");
  return CHIMP_OK;
}

// The plugin's `?` parameters as connection values; nullopt (and a recorded
// reason) when one is malformed.
std::optional<std::vector<Value>> ToParams(chimp_session* session, const char* service, const chimp_value* params,
                                           uint32_t count) {
  std::vector<Value> out;
  if (count == 0) return out;
  if (params == nullptr) {
    Fail(session, CHIMP_BAD_ARGUMENT,
         std::string(service) + ": params is NULL but param_count is " + std::to_string(count));
    return std::nullopt;
  }
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const chimp_value& v = params[i];
    const std::string where = std::string(service) + ": parameter " + std::to_string(i + 1);
    switch (v.type) {
      case CHIMP_TYPE_NULL: out.push_back(Value::Null()); break;
      case CHIMP_TYPE_INT64: out.push_back(Value::Int(v.i64)); break;
      case CHIMP_TYPE_DOUBLE: out.push_back(Value::Double(v.f64)); break;
      case CHIMP_TYPE_TEXT:
      case CHIMP_TYPE_BYTES: {
        if (v.data == nullptr && v.size != 0) {
          Fail(session, CHIMP_BAD_ARGUMENT, where + ": data is NULL but size is " + std::to_string(v.size));
          return std::nullopt;
        }
        std::string bytes(v.data != nullptr ? v.data : "", v.data != nullptr ? v.size : 0);
        out.push_back(v.type == CHIMP_TYPE_TEXT ? Value::Text(std::move(bytes)) : Value::Bytes(std::move(bytes)));
        break;
      }
      default:
        Fail(session, CHIMP_BAD_ARGUMENT, where + ": unknown value type " + std::to_string(v.type));
        return std::nullopt;
    }
  }
  return out;
}

// A connection value as a chimp_value pointing into `v`.
chimp_value ToAbi(const Value& v) {
  chimp_value out{};
  switch (v.type) {
    case Value::Type::kNull: out.type = CHIMP_TYPE_NULL; break;
    case Value::Type::kInt64:
      out.type = CHIMP_TYPE_INT64;
      out.i64 = v.i64;
      break;
    case Value::Type::kDouble:
      out.type = CHIMP_TYPE_DOUBLE;
      out.f64 = v.f64;
      break;
    case Value::Type::kText:
    case Value::Type::kBytes:
      out.type = v.type == Value::Type::kText ? CHIMP_TYPE_TEXT : CHIMP_TYPE_BYTES;
      out.data = v.text.data();
      out.size = v.text.size();
      break;
  }
  return out;
}

chimp_status ServiceExecute(chimp_session* session, const char* sql, const chimp_value* params, uint32_t param_count,
                            uint64_t* affected_rows) noexcept {
  if (chimp_status pre = Precheck(session, "execute", sql); pre != CHIMP_OK) return pre;
  try {
    auto values = ToParams(session, "execute", params, param_count);
    if (!values) return CHIMP_BAD_ARGUMENT;
    internal::TEST_CrashPoint("before-native-statement");
    auto info = values->empty() ? session->conn->Execute(sql) : session->conn->Execute(sql, *values);
    internal::TEST_CrashPoint("after-native-statement");
    if (!info.ok()) return FailFromStatus(session, info.status());
    if (affected_rows != nullptr) *affected_rows = info->affected_rows;
    return CHIMP_OK;
  } catch (const std::exception& e) {
    return Fail(session, CHIMP_ERROR, std::string("execute: ") + e.what());
  } catch (...) {
    return Fail(session, CHIMP_ERROR, "execute: unexpected exception");
  }
}

chimp_status ServiceQueryScalar(chimp_session* session, const char* sql, const chimp_value* params,
                                uint32_t param_count, chimp_value* out) noexcept {
  if (chimp_status pre = Precheck(session, "query_scalar", sql); pre != CHIMP_OK) return pre;
  if (out == nullptr) return Fail(session, CHIMP_BAD_ARGUMENT, "query_scalar: out is NULL");
  try {
    *out = chimp_value{};
    auto values = ToParams(session, "query_scalar", params, param_count);
    if (!values) return CHIMP_BAD_ARGUMENT;
    auto scalar = session->conn->QueryScalar(sql, *values);
    if (!scalar.ok()) return FailFromStatus(session, scalar.status());
    if (!scalar->has_value()) return CHIMP_OK;
    // Keep the text in the session: valid until the next call.
    Value& v = **scalar;
    session->scalar_text = std::move(v.text);
    v.text.clear();
    *out = ToAbi(v);
    if (v.type == Value::Type::kText || v.type == Value::Type::kBytes) {
      out->data = session->scalar_text.data();
      out->size = session->scalar_text.size();
    }
    return CHIMP_OK;
  } catch (const std::exception& e) {
    return Fail(session, CHIMP_ERROR, std::string("query_scalar: ") + e.what());
  } catch (...) {
    return Fail(session, CHIMP_ERROR, "query_scalar: unexpected exception");
  }
}

// The whole result is read before the first callback, so that the callback
// may use other services of the session (the connection cannot run a
// statement while it streams a result).
chimp_status ServiceQueryRows(chimp_session* session, const char* sql, const chimp_value* params, uint32_t param_count,
                              chimp_row_fn fn, void* user) noexcept {
  if (chimp_status pre = Precheck(session, "query_rows", sql); pre != CHIMP_OK) return pre;
  if (fn == nullptr) return Fail(session, CHIMP_BAD_ARGUMENT, "query_rows: fn is NULL");
  try {
    auto values = ToParams(session, "query_rows", params, param_count);
    if (!values) return CHIMP_BAD_ARGUMENT;
    auto result = session->conn->Query(sql, *values);
    if (!result.ok()) return FailFromStatus(session, result.status());
    std::vector<chimp_value> cells;
    for (size_t i = 0; i < result->rows.size(); ++i) {
      const Row& row = result->rows[i];
      cells.clear();
      for (const Value& v : row) cells.push_back(ToAbi(v));
      const chimp_status status = fn(user, static_cast<uint32_t>(cells.size()), cells.data());
      if (status == CHIMP_OK) continue;
      if (status == CHIMP_STOP) return CHIMP_OK;
      return Fail(session, status,
                  "query_rows: the row callback stopped the query at row " + std::to_string(i + 1) + " with status " +
                      DescribeAbiStatus(status));
    }
    return CHIMP_OK;
  } catch (const std::exception& e) {
    return Fail(session, CHIMP_ERROR, std::string("query_rows: ") + e.what());
  } catch (...) {
    return Fail(session, CHIMP_ERROR, "query_rows: unexpected exception");
  }
}

void ServiceLog(chimp_session* session, int32_t level, const char* message) noexcept {
  try {
    const std::string_view id = session != nullptr ? std::string_view(session->step_id) : "?";
    const std::string_view text = message != nullptr ? message : "";
    internal::LogLevel log_level = internal::LogLevel::kInfo;
    switch (level) {
      case CHIMP_LOG_DEBUG: log_level = internal::LogLevel::kDebug; break;
      case CHIMP_LOG_WARN: log_level = internal::LogLevel::kWarn; break;
      case CHIMP_LOG_ERROR: log_level = internal::LogLevel::kError; break;
      default: break;
    }
    if (!internal::LogEnabled(log_level)) return;
    internal::Log(log_level, "step " + std::string(id) + ": " + std::string(text));
  } catch (...) {
    // Logging never fails its caller.
  }
}

chimp_status ServiceProgress(chimp_session* session, uint64_t done, uint64_t total) noexcept {
  if (session == nullptr) return CHIMP_BAD_ARGUMENT;
  try {
    if (session->progress) {
      session->progress(done, total);
    } else if (internal::LogEnabled(internal::LogLevel::kDebug)) {
      internal::Log(internal::LogLevel::kDebug, "step " + session->step_id + ": progress " + std::to_string(done) +
                                                    "/" + (total == 0 ? "?" : std::to_string(total)));
    }
    if (session->cancelled && session->cancelled()) {
      return Fail(session, CHIMP_CANCELLED, "cancelled by the operator");
    }
    return CHIMP_OK;
  } catch (const std::exception& e) {
    return Fail(session, CHIMP_ERROR, std::string("progress: ") + e.what());
  } catch (...) {
    return Fail(session, CHIMP_ERROR, "progress: unexpected exception");
  }
}

void ServiceSetError(chimp_session* session, const char* message) noexcept {
  if (session == nullptr) return;
  Fail(session, CHIMP_ERROR, message != nullptr ? message : "(set_error called with NULL)");
}

const void* ServiceGetExtension(chimp_session*, const char*) noexcept {
  return nullptr;  // ABI 1.0 defines no extension yet.
}

const chimp_services kServices = {
    sizeof(chimp_services), 0,           &ServiceExecute,  &ServiceQueryScalar,
    &ServiceQueryRows,      &ServiceLog, &ServiceProgress, &ServiceSetError,
    &ServiceGetExtension,
};

std::string PluginFile(const Edge& edge) {
  return edge.plugin != nullptr ? edge.plugin->file : std::string("unknown plugin");
}

Status Run(const Step& step, const Edge& edge, Connection* conn, const NativeStepOptions& options) {
  const std::string file = PluginFile(edge);
  const std::string what = "step '" + step.id + "' (" + file + ")";
  if (step.run == nullptr) return Status::Internal(what + ": has no function to run");

  chimp_session session;
  session.conn = conn;
  session.step_id = step.id;
  session.cancelled = options.cancelled;
  session.progress = options.progress;

  const std::string from = edge.from.ToString();
  const std::string to = edge.to.ToString();
  chimp_step_ctx ctx{};
  ctx.struct_size = sizeof(chimp_step_ctx);
  ctx.services = HostServices();
  ctx.session = &session;
  ctx.user = step.user;
  ctx.step_id = step.id.c_str();
  ctx.from_version = from.c_str();
  ctx.to_version = to.c_str();

  chimp_status status = CHIMP_ERROR;
  try {
    status = step.run(&ctx);
  } catch (const std::exception& e) {  // a plugin that breaks convention 7
    return Status::StepFailed(what + ": an exception escaped the plugin: " + e.what());
  } catch (...) {
    return Status::StepFailed(what + ": an exception escaped the plugin");
  }
  if (status == CHIMP_OK) return Status::Ok();
  if (session.server_lost) return Status::Unavailable(what + ": " + session.error);

  if (status == CHIMP_CANCELLED) return Status::StepFailed(what + ": cancelled by the operator");
  std::string reason = session.error;
  if (StatusName(status) == nullptr) {  // convention 6: unknown codes are errors
    reason = "returned status " + DescribeAbiStatus(status) + (reason.empty() ? "" : ": " + reason);
  } else if (reason.empty()) {
    reason = "returned status " + DescribeAbiStatus(status) + " without a reason";
  }
  if (step.kind == StepKind::kCheck && status == CHIMP_CHECK_FAILED) {
    return Status::CheckFailed("check '" + step.id + "' (" + file + ") failed: " + reason);
  }
  return Status::StepFailed(what + ": " + reason);
}

}  // namespace

std::string DescribeAbiStatus(chimp_status status) {
  const char* name = StatusName(status);
  return std::to_string(status) + " (" + (name != nullptr ? name : "unknown") + ")";
}

const chimp_services* HostServices() { return &kServices; }

Status RunNativeStep(const Step& step, const Edge& edge, Connection& conn, const NativeStepOptions& options) {
  return Run(step, edge, &conn, options);
}

Status TEST_RunNativeStepWithoutConnection(const Step& step, const Edge& edge, const NativeStepOptions& options) {
  return Run(step, edge, nullptr, options);
}

}  // namespace chimp
