// Issue 12, item 5, on the real server through the chimp binary: schema
// fingerprints recorded after a run's last edge (chimp_fingerprints) and drift.
//  - a column added by hand and a table dropped by hand after an upgrade
//    are reported by check, validate, status and fingerprint, naming the
//    object; inserts (counters, rows) are not drift;
//  - migrate refuses a drifted database with the differences named, and
//    goes on with --accept-drift; a run killed inside an edge is resumed,
//    not refused (its steps explain the difference);
//  - the sample application's two routes into 2.0.0 reach the same
//    fingerprint;
//  - a declared fingerprint (EdgeDef::Fingerprint, ABI 1.4) that matches
//    passes, a wrong one fails the run naming both and leaves the version;
//  - a changelog from before chimp_fingerprints is upgraded in place;
//  - repair --checksums refuses a changed step whose edge declares a
//    fingerprint the recorded schema does not have.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chimp/engine.hpp"

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#if defined(CHIMP_BINARY) && defined(CHIMP_SAMPLE_MIGRATIONS_DIR) && defined(CHIMP_TEST_PLUGIN_DIR)

namespace chimp {
namespace {

using test::Args;
using test::ChimpOnServer;
using test::Contains;
using test::Exec;
using test::Scalar;

std::string Q(const std::string& name) { return Connection::QuoteIdentifier(name); }

test::CliRun On(const test::Target& t, const std::string& command, const std::string& plugins,
                const std::vector<std::string>& args = {}) {
  return ChimpOnServer(Args({t.Common(command), {"--plugins", plugins}, args}));
}

std::string Sample() { return CHIMP_SAMPLE_MIGRATIONS_DIR; }

nlohmann::json Json(const test::CliRun& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  return nlohmann::json::parse(r.out);
}

// The live fingerprint of the target database, as `chimp fingerprint` prints it.
std::string LiveFingerprint(const test::Target& t, const std::string& plugins) {
  return Json(On(t, "fingerprint", plugins, {"--format", "json"}))["schemas"][0]["fingerprint"].get<std::string>();
}

std::string Rows(const test::Target& t, const std::string& table) {
  return Scalar("", "SELECT COUNT(*) FROM " + Q(t.changelog) + "." + table);
}

TEST_CASE("issue 12.5: a column added and a table dropped by hand after an upgrade are drift, named by object") {
  test::Target t("i12_drift");
  REQUIRE(On(t, "migrate", Sample()).code == 0);
  // One row, after the run's last edge (of three), not one per edge: each
  // is a read of information_schema.
  CHECK(Scalar("", "SELECT COUNT(*) FROM " + Q(t.changelog) + ".chimp_fingerprints WHERE target = '" + t.db +
                       "' AND schema_name = '" + t.db + "'") == "1");
  CHECK(Scalar("", "SELECT CONCAT(edge_from, ' -> ', edge_to) FROM " + Q(t.changelog) +
                       ".chimp_fingerprints WHERE target = '" + t.db + "'") == "1.1.0 -> 2.0.0");
  CHECK(On(t, "check", Sample()).code == 0);
  CHECK(On(t, "validate", Sample()).code == 0);
  CHECK(On(t, "status", Sample()).code == 0);

  Exec("ALTER TABLE " + Q(t.db) + ".books ADD COLUMN nickname VARCHAR(20) NULL");
  test::CliRun check = On(t, "check", Sample());
  INFO("check: " << check.out << check.err);
  CHECK(check.code == 11);
  CHECK(Contains(check.out, t.db + ": column books.nickname added"));
  test::CliRun validate = On(t, "validate", Sample());
  INFO("validate: " << validate.out << validate.err);
  CHECK(validate.code == 11);
  CHECK(Contains(validate.out, t.db + ": column books.nickname added"));
  test::CliRun status = On(t, "status", Sample());
  INFO("status: " << status.out << status.err);
  CHECK(status.code == 11);
  CHECK(Contains(status.out, t.db + ": column books.nickname added"));
  CHECK(Contains(status.err, "drift"));
  auto json = Json(On(t, "check", Sample(), {"--format", "json"}));
  bool named = false;
  for (const auto& c : json["checks"]) {
    if (c["kind"] == "drift" && !c["passed"].get<bool>()) {
      named = Contains(c["message"].get<std::string>(), "column books.nickname added");
    }
  }
  CHECK(named);

  Exec("ALTER TABLE " + Q(t.db) + ".books DROP COLUMN nickname");
  CHECK(On(t, "check", Sample()).code == 0);  // undone: no drift

  Exec("DROP TABLE " + Q(t.db) + ".loans");
  check = On(t, "check", Sample());
  CHECK(check.code == 11);
  CHECK(Contains(check.out, t.db + ": table loans removed"));
  CHECK(Contains(check.out, t.db + ": column loans.book_id removed"));
  CHECK(On(t, "validate", Sample()).code == 11);
  CHECK(On(t, "status", Sample()).code == 11);
  test::CliRun fp = On(t, "fingerprint", Sample());
  CHECK(fp.code == 11);
  CHECK(Contains(fp.out, "DRIFT"));
}

TEST_CASE("issue 12.5: rows inserted and AUTO_INCREMENT counters moved are not drift") {
  test::Target t("i12_nodrift");
  REQUIRE(On(t, "migrate", Sample()).code == 0);
  const std::string before = LiveFingerprint(t, Sample());
  Exec("INSERT INTO " + Q(t.db) + ".authors (name) VALUES ('New Author'), ('Another')");
  Exec("DELETE FROM " + Q(t.db) + ".authors WHERE name = 'Another'");
  Exec("ANALYZE TABLE " + Q(t.db) + ".authors");
  CHECK(LiveFingerprint(t, Sample()) == before);
  test::CliRun check = On(t, "check", Sample());
  INFO("check: " << check.out << check.err);
  CHECK(check.code == 0);
  CHECK(On(t, "status", Sample()).code == 0);
  CHECK(On(t, "validate", Sample()).code == 0);
}

TEST_CASE("issue 12.5: migrate refuses a drifted database naming the difference; --accept-drift goes on") {
  test::Target t("i12_drift_migrate");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.1.0"}).code == 0);
  Exec("ALTER TABLE " + Q(t.db) + ".authors ADD COLUMN died INT NULL");
  const std::string rows = Rows(t, "chimp_changelog");
  test::CliRun refused = On(t, "migrate", Sample());
  INFO("migrate: " << refused.err);
  CHECK(refused.code == 9);
  CHECK(Contains(refused.err, t.db + ": column authors.died added"));
  CHECK(Contains(refused.err, "--accept-drift"));
  CHECK(Rows(t, "chimp_changelog") == rows);
  CHECK(Json(On(t, "status", Sample(), {"--format", "json"}))["current_version"] == "1.1.0");

  test::CliRun accepted = On(t, "migrate", Sample(), {"--accept-drift"});
  INFO("migrate --accept-drift: " << accepted.err);
  CHECK(accepted.code == 0);
  // What was accepted is recorded with the edges that followed.
  CHECK(On(t, "check", Sample()).code == 0);
}

// A run killed between two steps of an edge leaves the schema between the
// fingerprint recorded after the previous edge and the next one: neither
// drift nor a reason to refuse the resume.
TEST_CASE("issue 12.5: a run killed inside an edge is resumed, not refused as drift") {
  for (const char* at : {"step-start:2", "step-start:3"}) {
    INFO("killed at " << std::string(at));
    test::Target t(std::string("i12_drift_kill") + at[11]);
    REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
    test::CliOptions crash;
    crash.password = test::TestServerFlags().password;
    crash.env = {{"CHIMP_TEST_CRASH_AT", at}};
    test::CliRun killed = test::RunCli(
        CHIMP_BINARY,
        Args({test::TestServerFlags().flags, t.Common("migrate"), {"--plugins", Sample(), "--to", "1.1.0"}}), crash);
    REQUIRE(killed.signal == 9);
    CHECK(Scalar("", "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + t.db +
                         "' AND TABLE_NAME = 'books' AND COLUMN_NAME = 'slug'") == "1");
    bool not_compared = false;
    const nlohmann::json checked = Json(On(t, "check", Sample(), {"--format", "json"}));
    for (const auto& c : checked["checks"]) {
      if (c["kind"] != "drift") continue;
      INFO("drift: " << c.dump());
      CHECK(c["passed"].get<bool>());
      not_compared = Contains(c["message"].get<std::string>(), "not compared");
    }
    CHECK(not_compared);
    test::CliRun resumed = On(t, "migrate", Sample(), {"--to", "1.1.0"});
    INFO("migrate: " << resumed.out << resumed.err);
    CHECK(resumed.code == 0);
    CHECK(On(t, "check", Sample()).code == 0);
    // After the resume the comparison is made again, and sees a change.
    Exec("ALTER TABLE " + Q(t.db) + ".books ADD COLUMN nickname VARCHAR(20) NULL");
    CHECK(On(t, "check", Sample()).code == 11);
  }
}

TEST_CASE("issue 12.5: the sample application's two routes into 2.0.0 reach the same fingerprint") {
  test::Target direct("i12_route_direct");
  test::Target hotfix("i12_route_hotfix");
  REQUIRE(On(direct, "migrate", Sample()).code == 0);
  REQUIRE(On(hotfix, "migrate", Sample(), {"--to", "1.1.1"}).code == 0);
  const std::string at_hotfix = LiveFingerprint(hotfix, Sample());
  REQUIRE(On(hotfix, "migrate", Sample()).code == 0);
  CHECK(Json(On(hotfix, "status", Sample(), {"--format", "json"}))["current_version"] == "2.0.0");
  const std::string a = LiveFingerprint(direct, Sample());
  const std::string b = LiveFingerprint(hotfix, Sample());
  CHECK(a == b);
  CHECK(a != at_hotfix);
  // And what each run recorded after its last edge.
  auto recorded = [](const test::Target& t) {
    return Scalar("", "SELECT fingerprint FROM " + Q(t.changelog) + ".chimp_fingerprints WHERE target = '" + t.db +
                          "' ORDER BY id DESC LIMIT 1");
  };
  CHECK(recorded(direct) == a);
  CHECK(recorded(hotfix) == b);
  // The cleanup phase too.
  REQUIRE(On(direct, "migrate", Sample(), {"--phase", "cleanup"}).code == 0);
  REQUIRE(On(hotfix, "migrate", Sample(), {"--phase", "cleanup"}).code == 0);
  CHECK(LiveFingerprint(direct, Sample()) == LiveFingerprint(hotfix, Sample()));
  CHECK(LiveFingerprint(direct, Sample()) != a);
  CHECK(On(direct, "check", Sample()).code == 0);
  CHECK(On(hotfix, "check", Sample()).code == 0);
}

TEST_CASE("issue 12.5: a declared fingerprint that matches passes; a wrong one fails the run and names both") {
  const std::string right = test::FixtureDir("fingerprint_right");
  const std::string wrong = test::FixtureDir("fingerprint_wrong");
  test::Target ok("i12_fp_right");
  test::CliRun run = On(ok, "migrate", right);
  INFO("migrate (right): " << run.err);
  CHECK(run.code == 0);
  // What `chimp fingerprint` prints to paste is what the fixture declares.
  test::CliRun fp = On(ok, "fingerprint", right);
  CHECK(fp.code == 0);
  CHECK(Contains(fp.out, ".Fingerprint(\"" + LiveFingerprint(ok, right) + "\")"));

  test::Target bad("i12_fp_wrong");
  run = On(bad, "migrate", wrong);
  INFO("migrate (wrong): " << run.err);
  CHECK(run.code == 11);
  CHECK(Contains(run.err, "is not the one its plugin declares"));
  CHECK(
      Contains(run.err, "the plugin declares sha256:00000000000000000000000000000000000000000000000000000000000000ff"));
  CHECK(Contains(run.err, "schema '" + bad.db + "' is " + LiveFingerprint(ok, right)));
  // The version is not moved to a version whose schema is not the declared one.
  CHECK(Json(On(bad, "status", wrong, {"--format", "json"}))["current_version"] == "");
  CHECK(On(bad, "migrate", wrong).code == 11);  // and stays refused
}

TEST_CASE("issue 12.5: a changelog from before chimp_fingerprints is upgraded in place") {
  test::Target t("i12_fp_upgrade");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
  // The changelog as the engine before drift detection left it.
  Exec("DROP TABLE " + Q(t.changelog) + ".chimp_fingerprints");
  const std::string changelog_rows = Rows(t, "chimp_changelog");
  CHECK(On(t, "status", Sample()).code == 0);
  test::CliRun check = On(t, "check", Sample());
  CHECK(check.code == 0);
  CHECK(Contains(check.out, "no schema fingerprint recorded yet"));
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.1.0"}).code == 0);
  CHECK(test::SchemaCount(t.changelog) == "1");
  CHECK(Rows(t, "chimp_fingerprints") == "1");  // the edge 1.0.0 -> 1.1.0
  CHECK(std::stoi(Rows(t, "chimp_changelog")) > std::stoi(changelog_rows));
  Exec("ALTER TABLE " + Q(t.db) + ".books ADD COLUMN later INT NULL");
  check = On(t, "check", Sample());
  CHECK(check.code == 11);
  CHECK(Contains(check.out, "column books.later added"));
}

TEST_CASE("issue 12.5: repair --checksums refuses a changed step whose declared fingerprint the schema lacks") {
  test::Target t("i12_fp_repair");
  REQUIRE(On(t, "migrate", test::FixtureDir("fingerprint_right")).code == 0);
  const std::string changed = test::FixtureDir("fingerprint_changed");
  REQUIRE(On(t, "validate", changed).code == 9);
  test::CliRun r = On(t, "repair", changed, {"--checksums", "--yes"});
  INFO("repair: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "repair --checksums refused, nothing changed"));
  CHECK(Contains(r.err, "the changed step's effect is not in the database"));
  CHECK(On(t, "validate", changed).code == 9);
  // A change of a comment only keeps the declared fingerprint: re-recorded.
  const std::string cosmetic = test::FixtureDir("fingerprint_cosmetic");
  REQUIRE(On(t, "validate", cosmetic).code == 9);
  test::CliRun fixed = On(t, "repair", cosmetic, {"--checksums", "--yes"});
  INFO("repair (cosmetic): " << fixed.err);
  CHECK(fixed.code == 0);
  CHECK(On(t, "validate", cosmetic).code == 0);
}

}  // namespace
}  // namespace chimp

#endif
