#include "util/json.hpp"

#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

namespace chimp::internal {
namespace {

using Json = nlohmann::json;

Json ToJson(const VerifyReport& r) {
  Json j;
  j["file"] = r.file;
  j["loaded"] = r.loaded;
  j["name"] = r.name;
  j["version"] = r.version;
  j["description"] = r.description;
  j["abi"] = {r.abi_major, r.abi_minor, r.min_host_minor};
  j["embedded"] = r.embedded_sql_files;
  j["edges"] = Json::array();
  for (const VerifyEdge& e : r.edges) {
    Json je{{"from", e.from},
            {"to", e.to},
            {"applied", static_cast<int>(e.applied)},
            {"detail", e.detail},
            {"run", e.steps_run}};
    je["steps"] = Json::array();
    for (const VerifyStep& s : e.steps) {
      je["steps"].push_back({s.id, s.kind, s.phase, s.checksum, s.source, s.statements});
    }
    j["edges"].push_back(std::move(je));
  }
  j["problems"] = Json::array();
  for (const VerifyProblem& p : r.problems) j["problems"].push_back({static_cast<int>(p.code), p.message});
  return j;
}

VerifyEdge EdgeFromJson(const Json& je) {
  VerifyEdge e;
  e.from = je.at("from");
  e.to = je.at("to");
  e.applied = static_cast<VerifyOutcome>(je.at("applied").get<int>());
  e.detail = je.at("detail");
  e.steps_run = je.at("run");
  for (const Json& js : je.at("steps")) {
    e.steps.push_back({js.at(0), js.at(1), js.at(2), js.at(3), js.at(4), js.at(5)});
  }
  return e;
}

VerifyReport FromJson(const Json& j) {
  VerifyReport r;
  r.file = j.at("file");
  r.loaded = j.at("loaded");
  r.name = j.at("name");
  r.version = j.at("version");
  r.description = j.at("description");
  r.abi_major = j.at("abi").at(0);
  r.abi_minor = j.at("abi").at(1);
  r.min_host_minor = j.at("abi").at(2);
  r.embedded_sql_files = j.at("embedded");
  for (const Json& je : j.at("edges")) r.edges.push_back(EdgeFromJson(je));
  for (const Json& jp : j.at("problems")) {
    r.problems.push_back({static_cast<StatusCode>(jp.at(0).get<int>()), jp.at(1)});
  }
  return r;
}

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

}  // namespace chimp::internal
