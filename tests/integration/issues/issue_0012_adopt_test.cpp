// Issue 12, items 7, 5 (last sentence) and 6, on the real server through the
// chimp binary:
//  - safe adoption: migrate into a database another tool made refuses before
//    writing anything and explains baseline (with the version the plugin's
//    legacy query finds, run in the target); baseline refuses a database that
//    does not exist and works after a failed first migrate;
//  - repair --checksums refuses to re-record a changed step that was never
//    applied (a success row with a later attempt; a row repair marked
//    applied);
//  - restore: migrate --backup, restore, the database identical to before,
//    the changelog rolled back and the restore recorded; --into another name;
//    no restore without --yes off a terminal, nor while another run holds
//    the lock.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chimp/engine.hpp"

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/dump.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#if defined(CHIMP_BINARY) && defined(CHIMP_SAMPLE_MIGRATIONS_DIR) && defined(CHIMP_TEST_PLUGIN_DIR)

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::ChimpOnServer;
using test::Contains;
using test::Exec;
using test::Scalar;

std::string Q(const std::string& name) { return Connection::QuoteIdentifier(name); }

// `command` on `t` with the plugins of `plugins` and the rest of `args`.
test::CliRun On(const test::Target& t, const std::string& command, const std::string& plugins,
                const std::vector<std::string>& args = {}) {
  return ChimpOnServer(Args({t.Common(command), {"--plugins", plugins}, args}));
}

std::string Adopt() { return test::FixtureDir("adopt_legacy"); }
std::string Sample() { return CHIMP_SAMPLE_MIGRATIONS_DIR; }

// What the legacy tool made: the fixture's base schema at version 1.0.0.
void MakeLegacy(const std::string& db) {
  Exec("CREATE DATABASE " + Q(db));
  Exec("CREATE TABLE " + Q(db) + ".legacy_version (version VARCHAR(32) NOT NULL)");
  Exec("INSERT INTO " + Q(db) + ".legacy_version VALUES ('1.0.0')");
  Exec("CREATE TABLE " + Q(db) + ".adopt_items (id INT PRIMARY KEY)");
  Exec("INSERT INTO " + Q(db) + ".adopt_items VALUES (7)");
}

nlohmann::json Json(const test::CliRun& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  return nlohmann::json::parse(r.out);
}

std::string VersionOf(const test::Target& t, const std::string& plugins) {
  return Json(On(t, "status", plugins, {"--format", "json"}))["current_version"].get<std::string>();
}

std::string DumpOf(const std::string& db) {
  auto conn = test::TestServer::Shared().Connect();
  return test::ExactDump(*conn, test::DumpScope{{db}, db, {}});
}

// --- item 7: safe adoption -------------------------------------------------

TEST_CASE("issue 12.7: migrate into a database another tool made refuses before writing, and explains baseline") {
  test::Target t("i12_adopt_refuse");
  MakeLegacy(t.db);
  const std::string before = DumpOf(t.db);
  test::CliRun r = On(t, "migrate", Adopt());
  INFO("stderr: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "already has 2 objects"));
  CHECK(Contains(r.err, "chimp baseline"));
  CHECK(Contains(r.err, "Nothing was written"));
  // The legacy query ran in the target (its table is unqualified) and found 1.0.0.
  CHECK(Contains(r.err, "finds version 1.0.0"));
  CHECK_FALSE(Contains(r.err, "already exists"));
  CHECK(DumpOf(t.db) == before);
  CHECK(test::SchemaCount(t.changelog) == "0");

  // baseline, then, works (the refusal left no row) and finds the version
  // through the legacy query; migrate goes on from there.
  test::CliRun base = On(t, "baseline", Adopt(), {"--format", "json"});
  INFO("baseline stderr: " << base.err);
  REQUIRE(base.code == 0);
  CHECK(Json(base)["version"] == "1.0.0");
  CHECK(Contains(Json(base)["source"].get<std::string>(), "legacy version query"));
  test::CliRun up = On(t, "migrate", Adopt());
  INFO("migrate stderr: " << up.err);
  CHECK(up.code == 0);
  CHECK(VersionOf(t, Adopt()) == "1.1.0");
  CHECK(Scalar(t.db,
               "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
               "TABLE_NAME = 'adopt_items' AND COLUMN_NAME = 'name'") == "1");
}

TEST_CASE("issue 12.7: the legacy version query runs with the target as its default database") {
  test::Target t("i12_adopt_legacy");
  MakeLegacy(t.db);
  Exec("UPDATE " + Q(t.db) + ".legacy_version SET version = '1.1.0'");
  test::CliRun r = On(t, "baseline", Adopt(), {"--format", "json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(Json(r)["version"] == "1.1.0");
  CHECK(VersionOf(t, Adopt()) == "1.1.0");
}

TEST_CASE("issue 12.7: baseline refuses a database that does not exist (exit 9), writing nothing") {
  test::Target t("i12_adopt_missing");
  test::CliRun r = On(t, "baseline", Sample(), {"--version", "1.1.0"});
  INFO("stderr: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "does not exist"));
  CHECK(test::SchemaCount(t.db) == "0");
  CHECK(Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + t.changelog +
                       "' AND TABLE_NAME = 'chimp_state'") == "0");
}

TEST_CASE("issue 12.7: baseline works after a failed first migrate (only failed rows of the base edge)") {
  test::Target t("i12_adopt_retry");
  const std::string v1 = test::FixtureDir("changed_step_v1");
  REQUIRE(On(t, "migrate", v1).code == 8);  // the base edge fails at statement 3
  test::CliRun base = On(t, "baseline", v1, {"--version", "1.0.0"});
  INFO("stderr: " << base.err);
  REQUIRE(base.code == 0);
  CHECK(VersionOf(t, v1) == "1.0.0");
  auto log = Json(On(t, "log", v1, {"--format", "json"}));
  REQUIRE(log["entries"].size() == 2);
  CHECK(log["entries"][0]["step_id"] == "changed_step.ddl");
  CHECK(log["entries"][0]["status"] == "rolled_back");
  CHECK(Contains(log["entries"][0]["error"].get<std::string>(), "set aside by chimp baseline"));
  CHECK(log["entries"][1]["step_id"] == "chimp:baseline");
  // Nothing is pending or unfinished: validate is clean, migrate has nothing to do.
  CHECK(On(t, "validate", v1).code == 0);
  test::CliRun again = On(t, "migrate", v1);
  INFO("migrate stderr: " << again.err);
  CHECK(again.code == 0);
  // A real entry (a success) still refuses a second baseline.
  CHECK(On(t, "baseline", v1, {"--version", "1.0.0"}).code == 9);
}

// --- item 5: repair --checksums cannot hide a changed step never applied ----

TEST_CASE("issue 12.5: repair --checksums refuses a step marked applied by hand, whose changed version never ran") {
  test::Target t("i12_sum_marked");
  const std::string v1 = test::FixtureDir("changed_step_v1");
  const std::string fixed = test::FixtureDir("changed_step_fixed");
  REQUIRE(On(t, "migrate", v1).code == 8);
  REQUIRE(On(t, "repair", v1, {"--mark-applied", "changed_step.ddl", "--yes"}).code == 0);
  REQUIRE(On(t, "validate", fixed).code == 9);  // the installed step differs from the one marked
  test::CliRun r = On(t, "repair", fixed, {"--checksums", "--yes"});
  INFO("stderr: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "repair --checksums refused, nothing changed"));
  CHECK(Contains(r.err, "chimp repair --mark-applied"));
  CHECK(On(t, "validate", fixed).code == 9);
}

TEST_CASE("issue 12.5: repair --checksums refuses a success row that a later attempt follows") {
  test::Target t("i12_sum_later");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
  const std::string cl = Q(t.changelog) + ".chimp_changelog";
  const std::string id = Scalar("", "SELECT MIN(id) FROM " + cl + " WHERE target = '" + t.db + "'");
  auto conn = test::TestServer::Shared().Connect();
  // A later failed attempt at the same step, and the plugin changed since
  // the success (its checksum differs).
  const std::string later = Q(t.changelog) + ".later";
  REQUIRE(conn->Execute("CREATE TEMPORARY TABLE " + later + " SELECT * FROM " + cl + " WHERE id = " + id).ok());
  REQUIRE(conn->Execute("UPDATE " + later + " SET id = (SELECT MAX(id) + 1 FROM " + cl +
                        "), status = 'failed', statement_index = 0, error = 'a later attempt'")
              .ok());
  REQUIRE(conn->Execute("INSERT INTO " + cl + " SELECT * FROM " + later).ok());
  REQUIRE(conn->Execute("UPDATE " + cl + " SET checksum = 'sha256:0000' WHERE id = " + id).ok());
  REQUIRE(On(t, "validate", Sample()).code == 9);
  test::CliRun r = On(t, "repair", Sample(), {"--checksums", "--yes"});
  INFO("stderr: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "is followed by a later attempt"));
  CHECK(Scalar("", "SELECT checksum FROM " + cl + " WHERE id = " + id) == "sha256:0000");
}

// --- item 6: restore ---------------------------------------------------------

TEST_CASE("issue 12.6: restore puts the database back to the backup and the changelog tells the truth") {
  test::Target t("i12_restore");
  test::ScratchDir dir("i12_backups_");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
  Exec("INSERT INTO " + Q(t.db) + ".authors (name) VALUES ('Restored, O''Brien')");
  const std::string at_backup = DumpOf(t.db);
  const std::string last_id = Scalar("", "SELECT MAX(id) FROM " + Q(t.changelog) + ".chimp_changelog");

  test::CliRun up = On(t, "migrate", Sample(), {"--backup", dir.path().string()});
  INFO("migrate stderr: " << up.err);
  REQUIRE(up.code == 0);
  REQUIRE(VersionOf(t, Sample()) == "2.0.0");
  auto backups = Json(On(t, "log", Sample(), {"--format", "json"}))["backups"];
  REQUIRE(backups.size() == 1);
  const std::string file = backups[0]["file"].get<std::string>();
  CHECK(file.size() > 7);
  CHECK(file.substr(file.size() - 7) == ".sql.gz");
  CHECK(test::Slurp(file).substr(0, 2) == "\x1f\x8b");  // gzip
  const std::string at_2 = DumpOf(t.db);
  REQUIRE(at_2 != at_backup);

  // Off a terminal without --yes: shown, refused, nothing changed.
  test::CliRun refused = On(t, "restore", Sample());
  CHECK(refused.code == 2);
  CHECK(Contains(refused.out, "Restore backup #"));
  CHECK(Contains(refused.out, "2.0.0 -> 1.0.0"));
  CHECK(Contains(refused.err, "give --yes"));
  CHECK(DumpOf(t.db) == at_2);
  CHECK(VersionOf(t, Sample()) == "2.0.0");

  test::CliRun done = On(t, "restore", Sample(), {"--yes"});
  INFO("restore stderr: " << done.err);
  REQUIRE(done.code == 0);
  CHECK(Contains(done.out, "rows written after the backup are marked rolled_back"));
  CHECK(DumpOf(t.db) == at_backup);
  CHECK(VersionOf(t, Sample()) == "1.0.0");
  auto log = Json(On(t, "log", Sample(), {"--format", "json"}));
  int rolled_back = 0;
  bool restore_row = false;
  for (const auto& e : log["entries"]) {
    const bool after = e["id"].get<int64_t>() > std::stoll(last_id);
    if (e["step_id"] == "chimp:restore") {
      restore_row = true;
      CHECK(e["edge_from"] == "2.0.0");
      CHECK(e["edge_to"] == "1.0.0");
      CHECK(e["status"] == "success");
    } else if (after) {
      CHECK(e["status"] == "rolled_back");
      CHECK(Contains(e["error"].get<std::string>(), "rolled back by chimp restore"));
      ++rolled_back;
    } else {
      CHECK(e["status"] == "success");
    }
  }
  CHECK(restore_row);
  CHECK(rolled_back > 0);
  bool audited = false;
  for (const auto& r : log["repairs"]) audited = audited || r["action"] == "restore";
  CHECK(audited);
  CHECK(On(t, "validate", Sample()).code == 0);

  // A second migrate re-applies what the restore undid, cleanly.
  test::CliRun again = On(t, "migrate", Sample());
  INFO("second migrate stderr: " << again.err);
  CHECK(again.code == 0);
  CHECK(VersionOf(t, Sample()) == "2.0.0");
  CHECK(DumpOf(t.db) == at_2);
  CHECK(On(t, "validate", Sample()).code == 0);
}

TEST_CASE("issue 12.6: restore --into loads the backup into a database of another name") {
  test::Target t("i12_restore_src");
  test::Target copy("i12_restore_copy");
  test::ScratchDir dir("i12_backups_");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.1.0"}).code == 0);
  const std::string at_backup = DumpOf(t.db);
  REQUIRE(On(t, "migrate", Sample(), {"--backup", dir.path().string()}).code == 0);
  const std::string source_after = DumpOf(t.db);

  test::CliRun r = ChimpOnServer(Args({t.Common("restore"), {"--plugins", Sample(), "--into", copy.db, "--yes"}}));
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  // Identical but for the name (the dump writes each as <target>).
  CHECK(test::FirstDifference(at_backup, DumpOf(copy.db)) == "");
  // The source is untouched; the copy starts at the backup's version.
  CHECK(DumpOf(t.db) == source_after);
  CHECK(VersionOf(t, Sample()) == "2.0.0");
  test::CliRun status = ChimpOnServer(Args(
      {{"status", "-d", copy.db, "--changelog-schema", t.changelog, "--plugins", Sample()}, {"--format", "json"}}));
  CHECK(Json(status)["current_version"] == "1.1.0");

  // A second --into the same (now full) database is refused.
  test::CliRun twice = ChimpOnServer(Args({t.Common("restore"), {"--plugins", Sample(), "--into", copy.db, "--yes"}}));
  CHECK(twice.code == 9);
  CHECK(Contains(twice.err, "already has"));
}

TEST_CASE("issue 12.6: restore refuses while another run holds the migration lock") {
  test::Target t("i12_restore_lock");
  test::ScratchDir dir("i12_backups_");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.1.0", "--backup", dir.path().string()}).code == 0);
  auto holder = test::TestServer::Shared().Connect();
  auto got = holder->QueryScalar("SELECT GET_LOCK('chimp:" + t.db + "', 0)");
  REQUIRE(got.ok());
  REQUIRE((*got)->ToString() == "1");
  test::CliRun r = On(t, "restore", Sample(), {"--yes", "--lock-timeout", "1"});
  INFO("stderr: " << r.err);
  CHECK(r.code == 7);
  CHECK(VersionOf(t, Sample()) == "1.1.0");
  REQUIRE(holder->Execute("DO RELEASE_LOCK('chimp:" + t.db + "')").ok());
}

TEST_CASE("issue 12.6: restore refuses a truncated dump and an unrecorded backup, changing nothing") {
  test::Target t("i12_restore_bad");
  test::ScratchDir dir("i12_backups_");
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.0.0"}).code == 0);
  REQUIRE(On(t, "migrate", Sample(), {"--to", "1.1.0", "--backup", dir.path().string()}).code == 0);
  const std::string before = DumpOf(t.db);
  auto backups = Json(On(t, "log", Sample(), {"--format", "json"}))["backups"];
  REQUIRE(backups.size() == 1);
  const fs::path file = backups[0]["file"].get<std::string>();
  fs::resize_file(file, fs::file_size(file) / 2);
  test::CliRun damaged = On(t, "restore", Sample(), {"--yes"});
  INFO("stderr: " << damaged.err);
  CHECK(damaged.code == 9);
  CHECK(Contains(damaged.err, file.string()));
  // (The backup before --plugins: --plugins takes every directory after it.)
  test::CliRun unknown =
      ChimpOnServer({"restore", "42", "--yes", "-d", t.db, "--changelog-schema", t.changelog, "--plugins", Sample()});
  INFO("stderr of restore 42: " << unknown.err);
  CHECK(unknown.code == 2);
  CHECK(Contains(unknown.err, "no backup '42'"));
  CHECK(DumpOf(t.db) == before);
  CHECK(VersionOf(t, Sample()) == "1.1.0");
}

TEST_CASE("issue 12.6: restore gives the client a password with quotes and backslashes through its option file") {
  auto options = test::FreshSampleOptions("i12_restore_pw");
  REQUIRE(Migrate(options, PlanRequest{test::V("1.0.0")}, nullptr).ok());
  const std::string user = "i12_rs_" + std::to_string(::getpid());
  test::UseNewAccount(&options, user, "p\"a\\ss'w#rd; x");
  test::ScratchDir dir("i12_backups_");
  options.backup_dir = dir.path().string();
  REQUIRE(Migrate(options, PlanRequest{test::V("1.1.0")}, nullptr).ok());
  options.backup_dir.clear();
  auto restored = Restore(options, RestoreRequest{}, [](const RestoreReport&) { return true; });
  REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
  CHECK(restored->applied);
  CHECK(restored->version_before == test::V("1.1.0"));
  CHECK(test::CurrentVersion(options) == test::V("1.0.0"));
  CHECK(Scalar(options.database,
               "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
               "AND COLUMN_NAME = 'slug'") == "0");
  test::DropAccount(user);
}

}  // namespace
}  // namespace chimp

#endif
