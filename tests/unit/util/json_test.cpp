#include "util/json.hpp"

#include <doctest/doctest.h>

#include <string>

namespace chimp::internal {
namespace {

VerifyReport SampleReport() {
  VerifyReport r;
  r.file = "/p/billing.so";
  r.loaded = true;
  r.name = "billing";
  r.version = "1.2.3";
  r.description = "line one\nline \"two\"";
  r.abi_major = 1;
  r.abi_minor = 2;
  r.min_host_minor = 1;
  r.embedded_sql_files = 3;
  VerifyEdge edge;
  edge.from = "";
  edge.to = "1.0.0";
  edge.applied = VerifyOutcome::kFailed;
  edge.detail = "statement 2 of billing.base";
  edge.steps_run = 1;
  edge.steps.push_back({"billing.base", "sql", "expand", "sha256:ab", "V1__base.sql", 4});
  edge.steps.push_back({"billing.fill", "native", "cleanup", "rev:2", "", 0});
  r.edges.push_back(edge);
  r.problems.push_back({StatusCode::kStepFailed, "step 'billing.base' failed"});
  r.problems.push_back({StatusCode::kUnavailable, "server gone"});
  return r;
}

TEST_CASE("json: a verify report survives the round trip field by field") {
  const VerifyReport in = SampleReport();
  auto out = DecodeVerifyReport(EncodeVerifyReport(in));
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  CHECK(out->file == in.file);
  CHECK(out->loaded == in.loaded);
  CHECK(out->crash_signal == 0);
  CHECK(out->name == in.name);
  CHECK(out->version == in.version);
  CHECK(out->description == in.description);
  CHECK(out->abi_major == 1);
  CHECK(out->abi_minor == 2);
  CHECK(out->min_host_minor == 1);
  CHECK(out->embedded_sql_files == 3);
  REQUIRE(out->edges.size() == 1);
  const VerifyEdge& e = out->edges[0];
  CHECK(e.from == "");
  CHECK(e.to == "1.0.0");
  CHECK(e.applied == VerifyOutcome::kFailed);
  CHECK(e.detail == in.edges[0].detail);
  CHECK(e.steps_run == 1);
  REQUIRE(e.steps.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const VerifyStep& a = e.steps[i];
    const VerifyStep& b = in.edges[0].steps[i];
    CHECK(a.id == b.id);
    CHECK(a.kind == b.kind);
    CHECK(a.phase == b.phase);
    CHECK(a.checksum == b.checksum);
    CHECK(a.source == b.source);
    CHECK(a.statements == b.statements);
  }
  REQUIRE(out->problems.size() == 2);
  CHECK(out->problems[0].code == StatusCode::kStepFailed);
  CHECK(out->problems[0].message == "step 'billing.base' failed");
  CHECK(out->problems[1].code == StatusCode::kUnavailable);
}

TEST_CASE("json: an empty report round-trips; invalid UTF-8 is replaced, not thrown on") {
  VerifyReport in;
  in.file = "bad\xff.so";
  const std::string text = EncodeVerifyReport(in);
  CHECK(text.find('\n') == std::string::npos);
  auto out = DecodeVerifyReport(text);
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  CHECK(out->file == "bad\xEF\xBF\xBD.so");
  CHECK(out->edges.empty());
  CHECK(out->problems.empty());
  CHECK(!out->loaded);
}

TEST_CASE("json: a truncated or foreign text is Internal with the parser's reason") {
  const std::string text = EncodeVerifyReport(SampleReport());
  for (const std::string& bad : {text.substr(0, text.size() / 2), std::string(""), std::string("{\"file\": 1}")}) {
    INFO(bad);
    auto out = DecodeVerifyReport(bad);
    REQUIRE(!out.ok());
    CHECK(out.status().code() == StatusCode::kInternal);
    CHECK(!out.status().message().empty());
  }
}

}  // namespace
}  // namespace chimp::internal
