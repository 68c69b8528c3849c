// chimp baseline and migrate --backup through the engine facade.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

using test::Exec;
using test::FreshSampleOptions;
using test::Slurp;
using test::V;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("chimp_maint_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

// The text of a gzip file (gzip -dc).
std::string Gunzip(const std::string& file) {
  std::string out;
  FILE* pipe = ::popen(("gzip -dc '" + file + "'").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  CHECK(::pclose(pipe) == 0);
  return out;
}

TEST_CASE("baseline: marks the database at a version; migrate continues from there") {
  auto options = FreshSampleOptions("base_ok");
  Exec("CREATE DATABASE " + Connection::QuoteIdentifier(options.database));  // baseline adopts what exists
  auto done = Baseline(options, BaselineRequest{V("1.1.0"), false});
  REQUIRE_MESSAGE(done.ok(), done.status().ToString());
  CHECK(done->version == V("1.1.0"));
  CHECK(done->source == "--version");

  auto status = GetStatus(options);
  REQUIRE(status.ok());
  CHECK(status->state.version == V("1.1.0"));
  CHECK(status->failed.empty());
  auto log = ReadLog(options);
  REQUIRE(log->size() == 1);
  CHECK((*log)[0].step_id == kBaselineStepId);
  CHECK(IsEngineRow((*log)[0]));
  CHECK((*log)[0].status == StepStatus::kSuccess);
  CHECK((*log)[0].edge_to == "1.1.0");
  auto repairs = ReadRepairs(options);
  REQUIRE(repairs->size() == 1);
  CHECK((*repairs)[0].action == "baseline");
  CHECK((*repairs)[0].new_value == "1.1.0");
  CHECK(ValidateChangelog(options)->ok());

  // Nothing of the edges up to 1.1.0 runs.
  auto plan = MakeMigrationPlan(options, PlanRequest{V("2.0.0")});
  REQUIRE_MESSAGE(plan.ok(), plan.status().ToString());
  REQUIRE_FALSE(plan->plan.path.empty());
  CHECK(plan->plan.path[0]->from == V("1.1.0"));

  // A second baseline is refused: the changelog has entries.
  auto again = Baseline(options, BaselineRequest{V("1.0.0"), false});
  CHECK(again.status().code() == StatusCode::kFailedPrecondition);
  CHECK(again.status().message().find("already has 1 entry") != std::string::npos);
}

TEST_CASE("baseline: refused after a migration, and for a version the graph does not know") {
  auto migrated = FreshSampleOptions("base_refused");
  REQUIRE(Migrate(migrated, PlanRequest{V("1.0.0")}, nullptr).ok());
  CHECK(Baseline(migrated, BaselineRequest{V("1.1.0"), false}).status().code() == StatusCode::kFailedPrecondition);

  auto unknown = FreshSampleOptions("base_unknown");
  Exec("CREATE DATABASE " + Connection::QuoteIdentifier(unknown.database));
  auto r = Baseline(unknown, BaselineRequest{V("1.5.0"), false});
  CHECK(r.status().code() == StatusCode::kPlanError);
  CHECK(r.status().message().find("1.5.0") != std::string::npos);
  CHECK(r.status().message().find("known: 1.0.0") != std::string::npos);
  CHECK(ReadLog(unknown)->empty());
  auto forced = Baseline(unknown, BaselineRequest{V("1.5.0"), true});
  REQUIRE_MESSAGE(forced.ok(), forced.status().ToString());
  CHECK(GetStatus(unknown)->state.version == V("1.5.0"));
}

TEST_CASE("baseline: without --version, a plugin's legacy version query is needed") {
  auto options = FreshSampleOptions("base_legacy");
  Exec("CREATE DATABASE " + Connection::QuoteIdentifier(options.database));
  auto r = Baseline(options, BaselineRequest{});
  // The sample application has no legacy upgrader to bridge from.
  CHECK(r.status().code() == StatusCode::kNotFound);
  CHECK(r.status().message().find("legacy version query") != std::string::npos);
}

#ifdef CHIMP_CLOUDSTACK_PLUGIN_DIR
TEST_CASE("baseline: without --version, the CloudStack plugin's legacy query reads cloud.version") {
  // The legacy upgrader's bookkeeping: the highest completed row wins, by
  // version number, not by string or id.
  Exec("DROP DATABASE IF EXISTS cloud");
  Exec("CREATE DATABASE cloud");
  Exec(
      "CREATE TABLE cloud.version (id BIGINT AUTO_INCREMENT PRIMARY KEY, version CHAR(40) NOT NULL, "
      "updated DATETIME NOT NULL, step CHAR(32) NOT NULL)");
  Exec(
      "INSERT INTO cloud.version (version, updated, step) VALUES ('4.0.0', NOW(), 'Complete'), "
      "('4.11.1.0', NOW(), 'Complete'), ('4.9.3.0', NOW(), 'Complete'), ('4.12.0.0', NOW(), 'Upgrading')");
  EngineOptions options;
  options.connection = test::TestServer::Shared().Options();
  options.database = "cloud";
  options.changelog_schema = test::TestServer::Shared().FreshDatabase("base_cloud_chimp");
  // The version chain only (links to the bundle's edge plugins): the
  // baseline needs the base plugin's query and the graph.
  fs::path dir = TempDir("base_cloud");
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(CHIMP_CLOUDSTACK_PLUGIN_DIR)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".so" && name.find("repeatable") == std::string::npos) {
      fs::create_symlink(entry.path(), dir / name);
    }
  }
  options.plugin_dirs = {dir.string()};
  options.lock_timeout = std::chrono::seconds(5);
  auto done = Baseline(options, BaselineRequest{});
  REQUIRE_MESSAGE(done.ok(), done.status().ToString());
  CHECK(done->version == V("4.11.1.0"));
  CHECK(done->source.find("legacy version query of plugin '") == 0);
  CHECK(done->source.find("cloudstack_00_base.so") != std::string::npos);
  auto plan = MakeMigrationPlan(options, PlanRequest{});
  REQUIRE_MESSAGE(plan.ok(), plan.status().ToString());
  REQUIRE_FALSE(plan->plan.path.empty());
  CHECK(plan->plan.path[0]->from == V("4.11.1.0"));
  Exec("DROP DATABASE cloud");
  fs::remove_all(dir);
}
#endif

TEST_CASE("backup: migrate --backup dumps the existing target first and records it") {
  auto options = FreshSampleOptions("backup_ok");
  REQUIRE(Migrate(options, PlanRequest{V("1.0.0")}, nullptr).ok());
  Exec("CREATE TABLE " + Connection::QuoteIdentifier(options.database) + ".keep_me (id INT)");
  Exec("INSERT INTO " + Connection::QuoteIdentifier(options.database) + ".keep_me VALUES (4242)");
  options.accept_drift = true;  // keep_me, made by hand, is drift; the backup is what is tested
  fs::path dir = TempDir("backup_ok");
  options.backup_dir = (dir / "nested").string();

  BackupRecord told;
  auto result = Migrate(options, PlanRequest{V("2.0.0")}, nullptr, {}, [&](const BackupRecord& b) { told = b; });
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(told.status == "success");
  REQUIRE_FALSE(told.file.empty());
  CHECK(fs::path(told.file).parent_path() == fs::absolute(dir / "nested"));
  CHECK(told.databases == options.database);
  CHECK(told.version == "1.0.0");
  CHECK(told.changelog_last_id > 0);
  CHECK(told.size_bytes == static_cast<int64_t>(fs::file_size(told.file)));
  struct stat st {};
  REQUIRE(::stat(told.file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(told.file.size() > 7);
  CHECK(told.file.substr(told.file.size() - 7) == ".sql.gz");
  const std::string dump = Gunzip(told.file);
  // Tied to no name: no CREATE DATABASE or USE (restore --into).
  CHECK(dump.rfind("-- chimp backup of database `" + options.database + "`: character set ", 0) == 0);
  CHECK(dump.find("CREATE DATABASE") == std::string::npos);
  CHECK(dump.find("\nUSE ") == std::string::npos);
  CHECK(dump.find("CREATE TABLE `keep_me`") != std::string::npos);
  CHECK(dump.find("4242") != std::string::npos);
  CHECK(dump.find("-- Dump completed") != std::string::npos);
  // The tool is recorded without secrets or the option file.
  CHECK(told.tool.find("--single-transaction --routines --triggers --events") != std::string::npos);
  CHECK(told.tool.find("defaults") == std::string::npos);

  auto backups = ReadBackups(options);
  REQUIRE(backups->size() == 1);
  CHECK((*backups)[0].file == told.file);
  CHECK((*backups)[0].run_id == result->summary.run_id);
  auto status = GetStatus(options);
  REQUIRE(status->last_backup.has_value());
  CHECK(status->last_backup->file == told.file);
  // The test server runs without a binlog: no position, recorded as such.
  CHECK(told.binlog_file.empty());
  CHECK(told.binlog_position == -1);

  // Nothing to do: no backup is taken.
  REQUIRE(Migrate(options, PlanRequest{V("2.0.0")}, nullptr).ok());
  CHECK(ReadBackups(options)->size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("backup: a target that does not exist yet is recorded as nothing to dump") {
  auto options = FreshSampleOptions("backup_new");
  fs::path dir = TempDir("backup_new");
  options.backup_dir = dir.string();
  auto result = Migrate(options, PlanRequest{V("1.0.0")}, nullptr);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  auto backups = ReadBackups(options);
  REQUIRE(backups->size() == 1);
  CHECK((*backups)[0].status == "success");
  CHECK((*backups)[0].file.empty());
  CHECK((*backups)[0].error.find("did not exist") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("backup: a failed dump stops the run before the first step and is recorded") {
  auto options = FreshSampleOptions("backup_fail");
  REQUIRE(Migrate(options, PlanRequest{V("1.0.0")}, nullptr).ok());
  const size_t rows_before = ReadLog(options)->size();
  fs::path dir = TempDir("backup_fail");
  options.backup_dir = dir.string();
  ::setenv("CHIMP_DUMP_PROGRAM", "/bin/false", 1);
  auto result = Migrate(options, PlanRequest{V("2.0.0")}, nullptr);
  ::unsetenv("CHIMP_DUMP_PROGRAM");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kBackupFailed);
  CHECK(result.status().message().find("/bin/false exited with code 1") != std::string::npos);
  CHECK(result.status().message().find("no step was run") != std::string::npos);
  CHECK(ReadLog(options)->size() == rows_before);
  CHECK(GetStatus(options)->state.version == V("1.0.0"));
  auto backups = ReadBackups(options);
  REQUIRE(backups->size() == 1);
  CHECK((*backups)[0].status == "failed");
  CHECK((*backups)[0].file.empty());
  // No partial dump is left behind.
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("backup: a password with quotes and backslashes reaches the dump through the option file") {
  auto options = FreshSampleOptions("backup_pw");
  REQUIRE(Migrate(options, PlanRequest{V("1.0.0")}, nullptr).ok());
  const std::string user = "bk_" + std::to_string(::getpid());
  test::UseNewAccount(&options, user, "p\"a\\ss'w#rd; x");
  fs::path dir = TempDir("backup_pw");
  options.backup_dir = dir.string();
  auto result = Migrate(options, PlanRequest{V("1.1.0")}, nullptr);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  auto backups = ReadBackups(options);
  REQUIRE(backups->size() == 1);
  CHECK((*backups)[0].status == "success");
  CHECK_FALSE((*backups)[0].file.empty());
  CHECK((*backups)[0].executed_by.rfind(user + "@", 0) == 0);
  test::DropAccount(user);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chimp
