// validate, repair, baseline and migrate --backup as a user runs them: the
// exit codes, the confirmation rule and the JSON documents.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;

using Run = test::CliRun;
using test::Args;
using test::Contains;

// Runs chimp with `args` in an empty directory, stdin from /dev/null (not a
// terminal), with the test server's password and `env` (name, value) added.
Run Chimp(const std::vector<std::string>& args, std::vector<std::pair<std::string, std::string>> env = {}) {
  test::CliOptions options;
  options.password = test::TestServer::Shared().Options().password;
  options.env = std::move(env);
  return test::RunCli(CHIMP_BINARY, args, options);
}

// Connection, database, changelog schema and plugin flags for `db`.
std::vector<std::string> Flags(const std::string& db, const std::string& plugins = CHIMP_SAMPLE_MIGRATIONS_DIR) {
  ConnectionOptions o = test::TestServer::Shared().Options();
  std::vector<std::string> f = {"--socket",           o.socket,      "-d",        db,
                                "--changelog-schema", db + "_chimp", "--plugins", plugins};
  if (!o.user.empty()) {
    f.push_back("--user");
    f.push_back(o.user);
  }
  return f;
}

TEST_CASE("cli: validate exits 9 on a changed applied step, and repair needs --yes without a terminal") {
  const std::string db = test::TestServer::Shared().FreshDatabase("cli_validate");
  const auto flags = Flags(db);
  REQUIRE(Chimp(Args({{"migrate", "--to", "1.0.0"}, flags})).code == 0);

  Run clean = Chimp(Args({{"validate"}, flags}));
  CAPTURE(clean.err);
  CHECK(clean.code == 0);
  CHECK(Contains(clean.out, "OK."));

  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("UPDATE " + Connection::QuoteIdentifier(db + "_chimp") +
                        ".chimp_changelog SET checksum = 'sha256:0000' ORDER BY id LIMIT 1")
              .ok());
  Run bad = Chimp(Args({{"validate"}, flags}));
  CHECK(bad.code == 9);
  CHECK(Contains(bad.out, "installed:"));
  CHECK(Contains(bad.out, "applied:      sha256:0000"));
  CHECK(Contains(bad.err, "the changelog records sha256:0000"));
  Run json = Chimp(Args({{"validate", "--format", "json"}, flags}));
  CHECK(json.code == 9);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["ok"] == false);
  REQUIRE(doc["checksum_mismatches"].size() == 1);
  CHECK(doc["checksum_mismatches"][0]["applied_checksum"] == "sha256:0000");
  CHECK(Contains(doc["checksum_mismatches"][0]["plugin_file"].get<std::string>(), ".so"));

  // migrate refuses with the same code.
  CHECK(Chimp(Args({{"migrate"}, flags})).code == 9);

  // No terminal, no --yes: the repair is listed, refused, and nothing changes.
  Run refused = Chimp(Args({{"repair", "--checksums"}, flags}));
  CHECK(refused.code == 2);
  CHECK(Contains(refused.out, "checksum"));
  CHECK(Contains(refused.err, "give --yes"));
  CHECK(Chimp(Args({{"validate"}, flags})).code == 9);

  Run nothing = Chimp(Args({{"repair"}, flags}));
  CHECK(nothing.code == 2);
  CHECK(Contains(nothing.err, "nothing asked"));

  Run repaired = Chimp(Args({{"repair", "--checksums", "--yes"}, flags}));
  CAPTURE(repaired.err);
  CHECK(repaired.code == 0);
  CHECK(Contains(repaired.out, "Applied 1 repair"));
  CHECK(Chimp(Args({{"validate"}, flags})).code == 0);
  Run log = Chimp(Args({{"log"}, flags}));
  CHECK(log.code == 0);
  CHECK(Contains(log.out, "Repairs:"));
  CHECK(Contains(log.out, "sha256:0000 -> sha256:"));
  Run again = Chimp(Args({{"repair", "--checksums"}, flags}));
  CHECK(again.code == 0);
  CHECK(Contains(again.out, "Nothing to repair"));
}

TEST_CASE("cli: baseline records a version once; a second baseline exits 9") {
  const std::string db = test::TestServer::Shared().FreshDatabase("cli_baseline");
  const auto flags = Flags(db);
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(db)).ok());  // baseline adopts what exists
  Run unknown = Chimp(Args({{"baseline", "--version", "9.9.9"}, flags}));
  CHECK(unknown.code == 4);
  CHECK(Contains(unknown.err, "not a version of the plugins' graph"));
  Run none = Chimp(Args({{"baseline"}, flags}));
  CHECK(none.code == 2);
  CHECK(Contains(none.err, "legacy version query"));

  Run done = Chimp(Args({{"baseline", "--version", "1.1.0", "--format", "json"}, flags}));
  CAPTURE(done.err);
  REQUIRE(done.code == 0);
  auto doc = nlohmann::json::parse(done.out);
  CHECK(doc["version"] == "1.1.0");
  Run twice = Chimp(Args({{"baseline", "--version", "1.1.0"}, flags}));
  CHECK(twice.code == 9);
  CHECK(Contains(twice.err, "already has 1 entry"));
  Run status = Chimp(Args({{"status", "--format", "json"}, flags}));
  CHECK(nlohmann::json::parse(status.out)["current_version"] == "1.1.0");
  Run log = Chimp(Args({{"log"}, flags}));
  CHECK(Contains(log.out, "chimp:baseline"));
}

TEST_CASE("cli: migrate --backup records the dump; a failing dump exits 10 before any step") {
  const std::string db = test::TestServer::Shared().FreshDatabase("cli_backup");
  const auto flags = Flags(db);
  REQUIRE(Chimp(Args({{"migrate", "--to", "1.0.0"}, flags})).code == 0);
  fs::path dir = fs::temp_directory_path() / ("chimp_cli_backup_" + std::to_string(::getpid()));
  fs::remove_all(dir);

  Run failed = Chimp(Args({{"migrate", "--to", "1.1.0", "--backup", dir.string()}, flags}),
                     {{"CHIMP_DUMP_PROGRAM", "/bin/false"}});
  CHECK(failed.code == 10);
  CHECK(Contains(failed.err, "no step was run"));
  Run status = Chimp(Args({{"status", "--format", "json"}, flags}));
  auto doc = nlohmann::json::parse(status.out);
  CHECK(doc["current_version"] == "1.0.0");
  CHECK(doc["last_backup"]["status"] == "failed");

  Run ok = Chimp(Args({{"migrate", "--to", "1.1.0", "--backup", dir.string()}, flags}));
  CAPTURE(ok.err);
  CHECK(ok.code == 0);
  CHECK(Contains(ok.out, "Backup: " + fs::absolute(dir).string()));
  CHECK(Contains(ok.out, "binlog off"));
  Run text = Chimp(Args({{"status"}, flags}));
  CHECK(Contains(text.out, "Last backup:"));
  Run log = Chimp(Args({{"log", "--format", "json"}, flags}));
  auto logdoc = nlohmann::json::parse(log.out);
  REQUIRE(logdoc["backups"].size() == 2);
  CHECK(logdoc["backups"][0]["status"] == "failed");
  CHECK(logdoc["backups"][1]["status"] == "success");
  CHECK(fs::exists(logdoc["backups"][1]["file"].get<std::string>()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
