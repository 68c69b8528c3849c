#include "util/json.hpp"

#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

namespace chimp {

// One field list per struct serves both directions of the pipe (to_json in the
// child, from_json in the parent); the format is private to the two. The
// report leaves crash_signal out: only the parent sets it, from the wait status.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyProblem, code, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyStep, id, kind, phase, checksum, source, statements)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyUnchecked, step, source, line, statement, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyEdge, from, to, steps, applied, detail, steps_run, statements, prepared,
                                   unchecked)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyReport, file, loaded, name, version, description, abi_major, abi_minor,
                                   min_host_minor, embedded_sql_files, edges, problems)

namespace internal {
namespace {

using Json = nlohmann::json;

Json ToJson(const VerifyReport& r) { return r; }

VerifyReport FromJson(const Json& j) { return j.get<VerifyReport>(); }

}  // namespace

std::string EncodeVerifyReport(const VerifyReport& report) {
  try {
    return ToJson(report).dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception&) {
    return "";  // DecodeVerifyReport reports the empty text
  }
}

Result<VerifyReport> DecodeVerifyReport(std::string_view text) {
  try {
    return FromJson(Json::parse(text));
  } catch (const std::exception& e) {
    return Status::Internal(e.what());
  }
}

}  // namespace internal
}  // namespace chimp
