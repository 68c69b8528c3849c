// Issue 10, items 5 and 7, on the real server through the chimp binary:
//   5. a step changed since its failed attempt resumes only where the
//      statements already run are the same (fixtures changed_step_*);
//   7. bad input that succeeded refuses, with a clear error and exit code,
//      and writes nothing (no changelog schema, no chimp_state row).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::ChimpOnServer;
using test::Contains;
using test::SchemaCount;
using test::ScratchDir;
using test::Target;

test::CliRun Migrate(const Target& t, const std::string& plugin_dir, const std::vector<std::string>& more = {}) {
  return ChimpOnServer(
      Args({{"migrate", "-d", t.db, "--changelog-schema", t.changelog, "--plugins", plugin_dir}, more}));
}

std::string PluginFile(const char* fixture) { return test::FixtureDir(fixture) + "/" + fixture + ".so"; }

// Item 5 ----------------------------------------------------------------------

TEST_CASE("issue 10.5: a statement added in front of the failed one: migrate refuses to resume by index") {
  Target t("i10_prefix");
  test::CliRun first = Migrate(t, test::FixtureDir("changed_step_v1"));
  REQUIRE(first.code == 8);

  test::CliRun second = Migrate(t, test::FixtureDir("changed_step_prefix"));
  INFO("stderr: " << second.err);
  CHECK(second.code == 9);
  CHECK(Contains(second.err, "changed_step.ddl"));
  CHECK(Contains(second.err, "statements 1..2"));
  CHECK(Contains(second.err, "repair"));
  // Nothing ran: the new table is not there, the row not inserted twice.
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM cs_a") == "1");
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + t.db +
                             "' AND TABLE_NAME IN ('cs_new', 'cs_b', 'cs_c')") == "0");

  // The plugin that ran, restored, resumes (and fails again at statement 3).
  test::CliRun restored = Migrate(t, test::FixtureDir("changed_step_v1"));
  CHECK(restored.code == 8);
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM cs_a") == "1");
}

TEST_CASE("issue 10.5: only the failed statement fixed: migrate resumes at it and converges") {
  Target t("i10_fixed");
  REQUIRE(Migrate(t, test::FixtureDir("changed_step_v1")).code == 8);
  test::CliRun fixed = Migrate(t, test::FixtureDir("changed_step_fixed"));
  INFO("stderr: " << fixed.err);
  CHECK(fixed.code == 0);
  CHECK(test::Scalar(t.db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM cs_a") == "1");
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM cs_b") == "0");
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM cs_c") == "0");
  CHECK(ChimpOnServer({"validate", "-d", t.db, "--changelog-schema", t.changelog, "--plugins",
                       test::FixtureDir("changed_step_fixed")})
            .code == 0);
}

TEST_CASE("issue 10.5: an attempt recorded without done_sha256 resumes only with the same checksum") {
  Target t("i10_legacy");
  REQUIRE(Migrate(t, test::FixtureDir("changed_step_v1")).code == 8);
  // What a changelog written before the column existed holds.
  test::Exec("UPDATE `" + t.changelog + "`.chimp_changelog SET done_sha256 = NULL");
  test::CliRun changed = Migrate(t, test::FixtureDir("changed_step_fixed"));
  CHECK(changed.code == 9);
  CHECK(Contains(changed.err, "changed_step.ddl"));
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM cs_a") == "1");
}

// Item 7 ----------------------------------------------------------------------

TEST_CASE("issue 10.7: --to '' is refused, nothing written") {
  Target t("i10_to");
  test::CliRun r = Migrate(t, test::FixtureDir("good"), {"--to", ""});
  CHECK(r.code == 2);
  CHECK(Contains(r.err, "--to"));
  CHECK(SchemaCount(t.changelog) == "0");
  CHECK(ChimpOnServer(
            {"plan", "-d", t.db, "--changelog-schema", t.changelog, "--plugins", test::FixtureDir("good"), "--to", ""})
            .code == 2);
}

TEST_CASE("issue 10.7: an empty plugin directory is refused, naming it") {
  Target t("i10_empty_dir");
  ScratchDir dir("chimp_inputs_");
  test::CliRun r = Migrate(t, dir.path().string());
  CHECK(r.code == 4);  // no plugin, so none starts from nothing
  CHECK(Contains(r.err, dir.path().string()));
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 10.7: plugins without a base edge on an empty database are refused") {
  Target t("i10_no_base");
  test::CliRun r = Migrate(t, test::FixtureDir("no_base_edge"));
  CHECK(r.code == 4);
  CHECK(Contains(r.err, "empty"));
  CHECK(Contains(r.err, "no plugin starts from nothing"));
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 10.7: plan and status refuse a starting point migrate refuses, with the same error") {
  Target t("i10_no_start");
  ScratchDir empty("chimp_inputs_");
  for (const std::string& dir : {test::FixtureDir("no_base_edge"), empty.path().string()}) {
    test::CliRun migrate = Migrate(t, dir);
    REQUIRE(migrate.code == 4);
    for (const char* command : {"plan", "status"}) {
      INFO(command << " with " << dir);
      test::CliRun r = ChimpOnServer({command, "-d", t.db, "--changelog-schema", t.changelog, "--plugins", dir});
      CHECK(r.code == 4);
      CHECK(Contains(r.err, "no plugin starts from nothing"));
      CHECK(Contains(r.err, dir));
    }
  }
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 10.7: a dangling .so link in the plugin directory is refused, naming it") {
  Target t("i10_dangling");
  ScratchDir dir("chimp_inputs_");
  fs::create_symlink(PluginFile("good"), dir.path() / "good.so");
  fs::create_symlink(dir.path() / "gone.so.1", dir.path() / "gone.so");
  test::CliRun r = Migrate(t, dir.path().string());
  CHECK(r.code == 3);
  CHECK(Contains(r.err, (dir.path() / "gone.so").string()));
  CHECK(Contains(r.err, "does not exist"));
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 10.7: system schemas are refused as target and as changelog schema") {
  for (const char* system : {"mysql", "information_schema", "performance_schema", "sys", "MySQL"}) {
    INFO(system);
    Target t("i10_system");
    test::CliRun as_target = ChimpOnServer(
        {"migrate", "-d", system, "--changelog-schema", t.changelog, "--plugins", test::FixtureDir("good")});
    CHECK(as_target.code == 2);
    CHECK(Contains(as_target.err, "system schema"));
    CHECK(SchemaCount(t.changelog) == "0");
    test::CliRun as_changelog =
        ChimpOnServer({"migrate", "-d", t.db, "--changelog-schema", system, "--plugins", test::FixtureDir("good")});
    CHECK(as_changelog.code == 2);
    CHECK(Contains(as_changelog.err, "--changelog-schema"));
    CHECK(SchemaCount(t.db) == "0");
  }
  CHECK(test::Scalar("",
                     "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql' AND "
                     "TABLE_NAME LIKE 'chimp%'") == "0");
}

TEST_CASE("issue 10.7: names longer than 64 characters are refused before anything is written") {
  Target t("i10_long");
  const std::string long_db = "i10_" + std::string(61, 'x');  // 65 characters
  test::CliRun r = ChimpOnServer(
      {"migrate", "-d", long_db, "--changelog-schema", t.changelog, "--plugins", test::FixtureDir("good")});
  CHECK(r.code == 2);
  CHECK(Contains(r.err, "65"));
  CHECK(Contains(r.err, "64"));
  CHECK(SchemaCount(t.changelog) == "0");
  test::CliRun c =
      ChimpOnServer({"migrate", "-d", t.db, "--changelog-schema", long_db, "--plugins", test::FixtureDir("good")});
  CHECK(c.code == 2);
  CHECK(Contains(c.err, "--changelog-schema"));
  CHECK(SchemaCount(t.db) == "0");
}

TEST_CASE("issue 10.7: an empty --password-file is refused, naming the file") {
  Target t("i10_password");
  ScratchDir dir("chimp_inputs_");
  const std::string file = (dir.path() / "password").string();
  std::ofstream(file).close();
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  test::CliRun r = Migrate(t, test::FixtureDir("good"), {"--password-file", file});
  CHECK(r.code == 2);
  CHECK(Contains(r.err, file));
  CHECK(Contains(r.err, "empty"));
  CHECK(SchemaCount(t.changelog) == "0");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
