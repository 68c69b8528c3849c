// Issue 11, item 4, on the real server through the chimp binary: CI verifies
// every edge of a later release's plugin on its own (fixtures lr_* of
// tests/plugins/later_release.cpp: 1.0.0, 1.1.0, and 1.2.0 good and with
// `CREAT TABLE` at line 9 of its V1.2.0__lr.sql).
//   - with the earlier releases' plugins (--plugins) or with a kept schema
//     file (--from-schema), the edge 1.1.0 -> 1.2.0 is applied and its first
//     failing statement is named with file and line;
//   - with neither, every statement is prepared (not run) on a scratch
//     database: a syntax error fails, what the server cannot check without
//     the 1.1.0 schema is listed, and the exit status is 13, not 0;
//   - without a server, verify says that it did not check the syntax.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;

std::string FixtureDir(const std::string& name) { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name; }
std::string Fixture(const std::string& name) { return FixtureDir(name) + "/" + name + ".so"; }
std::string Schema110() { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/lr_schema/schema-1.1.0.sql"; }

// `plugins verify` with the test server's connection flags.
test::CliRun Verify(const std::vector<std::string>& args) {
  test::ServerFlags server = test::TestServerFlags();
  test::CliRun r = test::Chimp(Args({{"plugins", "verify"}, server.flags, args}), server.password);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  return r;
}

std::vector<std::string> EarlierReleases() {
  return {"--plugins", FixtureDir("lr_1_0"), "--plugins", FixtureDir("lr_1_1")};
}

int ScratchDatabases() {
  return std::stoi(
      test::Scalar("", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'chimp\\_verify\\_%'"));
}

nlohmann::json ParseJson(const test::CliRun& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(!j.is_discarded());
  return j;
}

TEST_CASE("issue 11: verify of a later edge with broken SQL names the file and line, with the earlier releases") {
  test::CliRun r = Verify(Args({EarlierReleases(), {Fixture("lr_1_2_broken")}}));
  INFO(r.out << r.err);
  CHECK(r.code == 8);
  CHECK(Contains(r.out, "FAIL  " + Fixture("lr_1_2_broken")));
  CHECK(Contains(r.out, "step 'lr.1.2.0.schema'"));
  CHECK(Contains(r.out, "V1.2.0__lr.sql, line 9: CREAT TABLE lr_audit"));
  CHECK(Contains(r.out, "1064"));
  CHECK(ScratchDatabases() == 0);
}

TEST_CASE("issue 11: verify of a later edge with broken SQL names the file and line, with a schema file") {
  test::CliRun r = Verify({"--from-schema", Schema110(), Fixture("lr_1_2_broken")});
  INFO(r.out << r.err);
  CHECK(r.code == 8);
  CHECK(Contains(r.out, "FAIL  " + Fixture("lr_1_2_broken")));
  CHECK(Contains(r.out, "V1.2.0__lr.sql, line 9: CREAT TABLE lr_audit"));
  CHECK(Contains(r.out, "reached 1.1.0 from the schema file"));
  CHECK(ScratchDatabases() == 0);
}

TEST_CASE("issue 11: a good later edge is applied from the earlier releases or from a schema file") {
  test::CliRun plugins = Verify(Args({{"--format", "json"}, EarlierReleases(), {Fixture("lr_1_2")}}));
  INFO(plugins.out << plugins.err);
  CHECK(plugins.code == 0);
  nlohmann::json doc = ParseJson(plugins);
  const nlohmann::json& edge = doc["plugins"][0]["edges"][0];
  CHECK(edge["applied"] == "applied");
  CHECK(edge["steps_run"] == 3);  // the SQL step, the native step, the check
  CHECK(Contains(edge["detail"].get<std::string>(), "reached 1.1.0 through (empty) -> 1.0.0, 1.0.0 -> 1.1.0"));
  CHECK(edge["unchecked"].empty());

  // The version comes from the file's header; --from-version says the same.
  for (const std::vector<std::string>& version : {std::vector<std::string>{}, {"--from-version", "1.1.0"}}) {
    test::CliRun schema = Verify(Args({{"--from-schema", Schema110()}, version, {Fixture("lr_1_2")}}));
    INFO(schema.out << schema.err);
    CHECK(schema.code == 0);
    CHECK(Contains(schema.out, "ok    " + Fixture("lr_1_2")));
    CHECK(Contains(schema.out, "applied on a scratch database (3 steps run; reached 1.1.0 from the schema file"));
  }
  CHECK(ScratchDatabases() == 0);
}

TEST_CASE("issue 11: a schema file for another version, or of no known version, is refused") {
  test::CliRun other = Verify({"--from-schema", Schema110(), "--from-version", "1.0.0", Fixture("lr_1_2")});
  CHECK(other.code == 2);
  CHECK(Contains(other.out + other.err, "1.0.0"));
  CHECK(Contains(other.out + other.err, "chimp-schema-version: 1.1.0"));

  test::CliRun missing = Verify({"--from-schema", "/nonexistent/schema.sql", Fixture("lr_1_2")});
  CHECK(missing.code == 2);
  CHECK(Contains(missing.out + missing.err, "/nonexistent/schema.sql"));
}

TEST_CASE("issue 11: without the earlier releases, verify prepares every statement and exits 13, not 0") {
  test::CliRun r = Verify({Fixture("lr_1_2")});
  INFO(r.out << r.err);
  CHECK(r.code == 13);
  CHECK(!Contains(r.out, "ok    "));
  CHECK(Contains(r.out, "not applied: needs 1.1.0"));
  CHECK(Contains(r.out, "--from-schema"));
  // UPDATE and the check read tables of 1.1.0: PREPARE opens them.
  CHECK(Contains(r.out, "not checked: step 'lr.1.2.0.schema' (V1.2.0__lr.sql, line 7: UPDATE"));
  CHECK(Contains(r.out, "doesn't exist"));
  CHECK(Contains(r.out, "not checked: step 'lr.1.2.0.audit': a native step"));
  CHECK(Contains(r.out, "not checked: step 'lr.1.2.0.no-negative-price'"));

  test::CliRun j = Verify({"--format", "json", Fixture("lr_1_2")});
  CHECK(j.code == 13);
  nlohmann::json doc = ParseJson(j);
  CHECK(doc["ok"] == false);
  CHECK(doc["complete"] == false);
  const nlohmann::json& edge = doc["plugins"][0]["edges"][0];
  CHECK(edge["applied"] == "not applied");
  CHECK(edge["statements"] == 6);  // 5 of the SQL step and the check's query
  CHECK(edge["prepared"] == 4);    // ALTER, CREATE INDEX, CREATE TABLE, CREATE PROCEDURE
  REQUIRE(edge["unchecked"].size() == 3);
  CHECK(edge["unchecked"][0]["line"] == 7);
  CHECK(edge["unchecked"][0]["source"] == "V1.2.0__lr.sql");
  CHECK(edge["unchecked"][1]["step"] == "lr.1.2.0.audit");
  CHECK(ScratchDatabases() == 0);
}

TEST_CASE("issue 11: without the earlier releases, CREAT TABLE fails at PREPARE with its file and line") {
  test::CliRun r = Verify({Fixture("lr_1_2_broken")});
  INFO(r.out << r.err);
  CHECK(r.code == 8);
  CHECK(Contains(r.out, "FAIL  " + Fixture("lr_1_2_broken")));
  CHECK(Contains(r.out, "step 'lr.1.2.0.schema' statement 4 of 5 (V1.2.0__lr.sql, line 9: CREAT TABLE lr_audit"));
  CHECK(Contains(r.out, "syntax"));
  CHECK(Contains(r.out, "1064"));
  CHECK(ScratchDatabases() == 0);
}

TEST_CASE("issue 11: without a server, verify says it did not check the syntax; --strict fails") {
  test::CliRun r = test::Chimp({"plugins", "verify", Fixture("lr_1_2_broken")});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "the SQL's syntax was not checked"));

  test::CliRun strict = test::Chimp({"plugins", "verify", "--strict", Fixture("lr_1_2_broken")});
  CHECK(strict.code == 13);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
