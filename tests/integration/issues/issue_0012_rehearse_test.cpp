// Issue 12, item 4, on the real server through the chimp binary: `chimp
// rehearse` runs the pending plan on a throwaway mariadbd loaded with a copy
// of the target, its changelog schema and the other schemas the plan names,
// and writes nothing to the real server; `migrate --rehearse` migrates only
// after the rehearsal passed.
//   - the sample application at 1.0.0: the rehearsal reaches 2.0.0, the
//     version migrate --rehearse then reaches on the real database, and the real schemas (mariadb-dump
//     of each, changelog included, and CHECKSUM TABLE of every table) are
//     byte-identical before and after;
//   - a step that fails on the copy (fixture rehearse_fails): reported with
//     its statement, exit 8; migrate --rehearse exits 8 and writes nothing;
//   - SIGTERM while the copy runs a step (fixture rehearse_slow): exit 12,
//     the throwaway server and its directory gone;
//   - no server binaries: exit 2 naming mariadbd;
//   - CloudStack 4.0.0 -> 4.22.0.0: `cloud` and `cloud_usage` byte-identical.
// After every rehearsal no chimp-rehearse-* directory and no mariadbd of one
// is left.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::Contains;

std::string PluginDir(const std::string& name) { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name; }

test::CliRun Run(const std::vector<std::string>& args, const test::CliOptions& extra = {}) {
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options = extra;
  options.password = server.password;
  test::CliRun r = test::RunCli(CHIMP_BINARY, Args({server.flags, args}), options);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  return r;
}

std::string TempBase() {
  const char* t = std::getenv("TMPDIR");
  return (t != nullptr && *t != '\0' && std::strlen(t) < 60) ? t : "/tmp";
}

// The rehearsal directories that exist now.
std::set<std::string> RehearsalDirs() {
  std::set<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(TempBase(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind("chimp-rehearse-", 0) == 0) out.insert(it->path().string());
  }
  return out;
}

// The PIDs of running mariadbd processes whose command line names a
// rehearsal directory.
std::set<int> RehearsalServers() {
  std::set<int> out;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.rfind("/", 0) == 0 && Contains(cmdline, "mariadbd") && Contains(cmdline, "chimp-rehearse-")) {
      out.insert(std::stoi(name));
    }
  }
  return out;
}

// mariadb-dump of `schemas` (schema, rows, routines, triggers, events; no
// date) and CHECKSUM TABLE of each of their tables: what "byte-identical"
// compares.
std::string Snapshot(const std::vector<std::string>& schemas) {
  ConnectionOptions o = test::TestServer::Shared().Options();
  test::CliOptions env;
  if (!o.password.empty()) env.env = {{"MYSQL_PWD", o.password}};
  std::vector<std::string> args = {
      "--no-defaults", "--socket=" + o.socket, "--user=" + o.user, "--skip-dump-date", "--single-transaction",
      "--routines",    "--triggers",           "--events",         "--databases"};
  args.insert(args.end(), schemas.begin(), schemas.end());
  test::CliRun dump = test::RunCli("/usr/bin/mariadb-dump", args, env);
  REQUIRE_MESSAGE(dump.code == 0, dump.err);
  std::string text = dump.out;
  auto conn = test::TestServer::Shared().Connect();
  std::string in;
  for (const std::string& s : schemas) in += (in.empty() ? "'" : ", '") + s + "'";
  auto tables = conn->Query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (" +
                            in + ") AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2");
  REQUIRE_MESSAGE(tables.ok(), tables.status().ToString());
  for (const Row& row : tables->rows) {
    const std::string name =
        Connection::QuoteIdentifier(row[0].ToString()) + "." + Connection::QuoteIdentifier(row[1].ToString());
    auto sum = conn->Query("CHECKSUM TABLE " + name + " EXTENDED");
    REQUIRE_MESSAGE(sum.ok(), sum.status().ToString());
    text += "\n-- CHECKSUM " + name + " " + (sum->rows.empty() ? "?" : sum->rows[0][1].ToString());
  }
  REQUIRE(Contains(text, "CREATE TABLE"));
  return text;
}

std::string VersionOf(const test::Target& t, const std::string& plugins) {
  test::CliRun status = Run(Args({t.Common("status"), {"--plugins", plugins, "--format", "json"}}));
  auto j = nlohmann::json::parse(status.out, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), status.out);
  return j.value("current_version", std::string("?"));
}

nlohmann::json Parse(const test::CliRun& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out);
  return j;
}

// Nothing of any rehearsal left behind beyond what `dirs` and `servers`
// held before it.
void CheckNothingLeft(const std::set<std::string>& dirs, const std::set<int>& servers) {
  for (const std::string& d : RehearsalDirs()) CHECK_MESSAGE(dirs.count(d) == 1, "left behind: " << d);
  for (int pid : RehearsalServers()) CHECK_MESSAGE(servers.count(pid) == 1, "mariadbd left running: " << pid);
}

TEST_CASE("issue 12.4: rehearse of the sample application writes nothing and reaches what migrate then reaches") {
  test::Target t("rh_sample");
  const std::string plugins = CHIMP_SAMPLE_MIGRATIONS_DIR;
  REQUIRE(Run(Args({t.Common("migrate"), {"--plugins", plugins, "--to", "1.0.0", "-q"}})).code == 0);
  const std::vector<std::string> schemas = {t.db, t.changelog};
  const std::string before = Snapshot(schemas);
  const auto dirs = RehearsalDirs();
  const auto servers = RehearsalServers();

  test::CliRun rehearsed = Run(Args({t.Common("rehearse"), {"--plugins", plugins, "--format", "json"}}));
  CHECK(rehearsed.code == 0);
  nlohmann::json j = Parse(rehearsed);
  CHECK(j["passed"] == true);
  CHECK(j["exit_code"] == 0);
  CHECK(j["from_version"] == "1.0.0");
  CHECK(j["reached_version"] == "2.0.0");
  CHECK(j["lock_taken"] == true);
  CHECK(j["schemas"] == nlohmann::json(std::vector<std::string>{t.db, t.changelog}));
  CHECK(j["steps"].size() >= 4);
  for (const auto& s : j["steps"]) {
    CHECK(s["ok"] == true);
    CHECK(s["duration_ms"].is_number());
  }
  CHECK(j["fingerprint"].get<std::string>().rfind("sha256:", 0) == 0);
  CHECK(j["estimate_ms"].is_number());
  CHECK(j["rehearsal_server"].get<std::string>().find("MariaDB") != std::string::npos);
  CheckNothingLeft(dirs, servers);
  CHECK(Snapshot(schemas) == before);
  CHECK(VersionOf(t, plugins) == "1.0.0");

  // migrate --rehearse: the rehearsal passes again, then the real run.
  test::CliRun migrated = Run(Args({t.Common("migrate"), {"--plugins", plugins, "--rehearse"}}));
  CHECK(migrated.code == 0);
  CHECK(Contains(migrated.out, "Rehearsal passed; the real database was not changed."));
  CHECK(Contains(migrated.out, "Migrating the real database:"));
  CHECK(VersionOf(t, plugins) == j["reached_version"].get<std::string>());
  // The copy's fingerprints are the ones the real run reached.
  test::CliRun fingerprint = Run(Args({t.Common("fingerprint"), {"--format", "json"}}));
  CHECK(fingerprint.code == 0);
  CHECK(Parse(fingerprint)["declaration"] == j["fingerprint"]);
  CheckNothingLeft(dirs, servers);
}

TEST_CASE("issue 12.4: a step that fails on the copy is reported, exits 8, and migrate --rehearse writes nothing") {
  test::Target t("rh_fails");
  const std::string plugins = PluginDir("rehearse_fails");
  REQUIRE(Run(Args({t.Common("migrate"), {"--plugins", plugins, "--to", "1.0.0", "-q"}})).code == 0);
  const std::vector<std::string> schemas = {t.db, t.changelog};
  const std::string before = Snapshot(schemas);
  const auto dirs = RehearsalDirs();
  const auto servers = RehearsalServers();

  test::CliRun rehearsed = Run(Args({t.Common("rehearse"), {"--plugins", plugins}}));
  CHECK(rehearsed.code == 8);
  CHECK(Contains(rehearsed.out, "FAILED"));
  CHECK(Contains(rehearsed.out, "failed: rh.upgrade, statement 2: ALTER TABLE rh_missing ADD COLUMN y INT"));
  CHECK(Contains(rehearsed.out, "Version reached on the copy: 1.0.0 (planned 1.1.0)"));
  CHECK(Contains(rehearsed.out, "Rehearsal FAILED; the real database was not changed."));
  CHECK(Contains(rehearsed.err, "rh_missing"));
  CheckNothingLeft(dirs, servers);
  CHECK(Snapshot(schemas) == before);

  test::CliRun migrated = Run(Args({t.Common("migrate"), {"--plugins", plugins, "--rehearse"}}));
  CHECK(migrated.code == 8);
  CHECK(Contains(migrated.err, "the rehearsal did not pass; nothing was migrated"));
  CheckNothingLeft(dirs, servers);
  CHECK(Snapshot(schemas) == before);

  test::CliRun json = Run(Args({t.Common("migrate"), {"--plugins", plugins, "--rehearse", "--format", "json"}}));
  CHECK(json.code == 8);
  auto event = nlohmann::json::parse(json.out.substr(0, json.out.find('\n')), nullptr, false);
  REQUIRE(!event.is_discarded());
  CHECK(event["event"] == "rehearsal");
  CHECK(event["rehearsal"]["passed"] == false);
  CHECK(event["rehearsal"]["error"]["exit_code"] == 8);
  CHECK(event["rehearsal"]["steps"].back()["statement_index"] == 1);
  CHECK(Snapshot(schemas) == before);
}

TEST_CASE("issue 12.4: SIGTERM during a rehearsal stops the throwaway server and removes its directory") {
  test::Target t("rh_sigterm");
  const std::string plugins = PluginDir("rehearse_slow");
  REQUIRE(Run(Args({t.Common("migrate"), {"--plugins", plugins, "--to", "1.0.0", "-q"}})).code == 0);
  const std::vector<std::string> schemas = {t.db, t.changelog};
  const std::string before = Snapshot(schemas);
  const auto dirs = RehearsalDirs();
  const auto servers = RehearsalServers();

  // Signalled once the copy runs the sleeping step, seen from the
  // throwaway server's own socket.
  bool seen_step = false;
  test::CliOptions signal_it;
  signal_it.kill_signal = SIGTERM;
  signal_it.kill_when = [&] {
    for (const std::string& d : RehearsalDirs()) {
      if (dirs.count(d) != 0 || !fs::exists(d + "/mariadb.sock")) continue;
      ConnectionOptions o;
      o.socket = d + "/mariadb.sock";
      o.user = "root";
      auto conn = Connection::Open(o);
      if (!conn.ok()) continue;
      auto n = (*conn)->QueryScalar("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP%'");
      if (n.ok() && n->has_value() && (*n)->ToString() != "0") seen_step = true;
    }
    return seen_step;
  };
  test::CliRun stopped = Run(Args({t.Common("rehearse"), {"--plugins", plugins}}), signal_it);
  CHECK(seen_step);
  CHECK(stopped.code == 12);
  CHECK(Contains(stopped.err, "SIGTERM received"));
  CheckNothingLeft(dirs, servers);
  CHECK(Snapshot(schemas) == before);
}

TEST_CASE("issue 12.4: rehearse without server binaries exits 2 naming mariadbd") {
  test::Target t("rh_nobin");
  const std::string plugins = PluginDir("rehearse_fails");
  REQUIRE(Run(Args({t.Common("migrate"), {"--plugins", plugins, "--to", "1.0.0", "-q"}})).code == 0);
  test::CliRun r = Run(Args({t.Common("rehearse"), {"--plugins", plugins, "--server-bin-dir", "/nonexistent"}}));
  CHECK(r.code == 2);
  CHECK(Contains(r.err, "mariadbd was not found in '/nonexistent'"));
}

#if defined(CHIMP_CLOUDSTACK_PLUGIN_DIR) && defined(CHIMP_CLOUDSTACK_CORPUS_DIR)
TEST_CASE("issue 12.4: a CloudStack rehearsal 4.0.0 -> 4.22.0.0 leaves cloud and cloud_usage byte-identical") {
  const fs::path plugin_dir = CHIMP_CLOUDSTACK_PLUGIN_DIR;
  if (!fs::exists(fs::path(CHIMP_CLOUDSTACK_CORPUS_DIR) / "manifest.toml") ||
      !fs::exists(plugin_dir / "cloudstack_00_base.so") || !fs::exists(plugin_dir / "cloudstack_47_4.22.0.0.so")) {
    MESSAGE("skipped: the CloudStack corpus or bundle is absent (" << plugin_dir.string() << ")");
    return;
  }
  auto conn = test::TestServer::Shared().Connect();
  for (const char* db : {"cloud", "cloud_usage"}) {
    REQUIRE(conn->Execute(std::string("DROP DATABASE IF EXISTS `") + db + "`").ok());
  }
  const std::string changelog = test::TestServer::Shared().FreshDatabase("rh_cs");
  const std::vector<std::string> common = {"-d",      "cloud",     "--changelog-schema",
                                           changelog, "--plugins", plugin_dir.string()};
  REQUIRE(Run(Args({{"migrate"}, common, {"--to", "4.0.0", "-q"}})).code == 0);
  const std::vector<std::string> schemas = {"cloud", "cloud_usage", changelog};
  const std::string before = Snapshot(schemas);
  const auto dirs = RehearsalDirs();
  const auto servers = RehearsalServers();

  test::CliRun rehearsed = Run(Args({{"rehearse"}, common, {"--to", "4.22.0.0", "--format", "json"}}));
  CHECK(rehearsed.code == 0);
  nlohmann::json j = Parse(rehearsed);
  CHECK(j["passed"] == true);
  CHECK(j["reached_version"] == "4.22.0.0");
  CHECK(j["schemas"] == nlohmann::json(std::vector<std::string>{"cloud", "cloud_usage", changelog}));
  CheckNothingLeft(dirs, servers);
  CHECK(Snapshot(schemas) == before);
  MESSAGE("CloudStack rehearsal: " << j["duration_ms"] << " ms (server " << j["server_start_ms"] << ", copy "
                                   << j["copy_ms"] << ", run " << j["run_ms"] << "), estimate " << j["estimate_ms"]
                                   << " ms, " << j["steps"].size() << " steps");
}
#endif

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
