// Issue 15, item 1, on the real server through the chimp binary: fleet runs.
// A list (--database repeated) and a pattern (--databases) bring tenant
// schemas of the sample app to the same version, with --jobs 4; a failing
// target stops new starts (or not, with --keep-going) and sets the exit
// code; a run killed in the middle converges on a rerun; the JSON summary
// parses; the config file's [[targets]] work; bad inputs are refused with
// exit 2; the plugins are loaded once per run, not once per target; a
// first SIGINT stops every running target and starts no new one.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::Contains;

// `count` empty tenant schemas "<base>_t00".. and a changelog schema of
// their own ("<base>_chimp", which the pattern "<base>_t%" does not match).
class Tenants {
 public:
  Tenants(const std::string& prefix, int count) : base_(test::TestServer::Shared().FreshDatabase(prefix)) {
    changelog_ = base_ + "_chimp";
    test::Exec("DROP DATABASE IF EXISTS `" + changelog_ + "`");
    for (int i = 0; i < count; ++i) {
      const std::string name = base_ + "_t" + (i < 10 ? "0" : "") + std::to_string(i);
      test::Exec("DROP DATABASE IF EXISTS `" + name + "`");
      test::Exec("CREATE DATABASE `" + name + "`");
      names_.push_back(name);
    }
  }
  ~Tenants() {
    try {
      for (const std::string& name : names_) test::Exec("DROP DATABASE IF EXISTS `" + name + "`");
      test::Exec("DROP DATABASE IF EXISTS `" + changelog_ + "`");
    } catch (...) {
    }
  }

  const std::vector<std::string>& names() const { return names_; }
  std::string pattern() const { return base_ + "_t%"; }
  const std::string& changelog() const { return changelog_; }

  // chimp <command> --changelog-schema C --plugins <sample> <extra>, on the test server.
  test::CliRun Run(const std::string& command, const std::vector<std::string>& extra,
                   const std::vector<std::pair<std::string, std::string>>& env = {},
                   const std::string& plugins = CHIMP_SAMPLE_MIGRATIONS_DIR) const {
    test::ServerFlags server = test::TestServerFlags();
    test::CliOptions options;
    options.password = server.password;
    options.env = env;
    return test::RunCli(CHIMP_BINARY,
                        Args({server.flags, {command, "--changelog-schema", changelog_, "--plugins", plugins}, extra}),
                        options);
  }

  // The version chimp_state records for `db` ("-" when it has no row).
  std::string Version(const std::string& db) const {
    const std::string tables =
        test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + changelog_ +
                             "' AND TABLE_NAME = 'chimp_state'");
    if (tables == "0") return "-";
    const std::string rows = test::Scalar(changelog_, "SELECT COUNT(*) FROM chimp_state WHERE target = '" + db + "'");
    if (rows == "0") return "-";
    return test::Scalar(changelog_, "SELECT version FROM chimp_state WHERE target = '" + db + "'");
  }

  // -d a -d b ... for the first `n` tenants.
  std::vector<std::string> List(size_t n) const {
    std::vector<std::string> args;
    for (size_t i = 0; i < n && i < names_.size(); ++i) {
      args.push_back("-d");
      args.push_back(names_[i]);
    }
    return args;
  }

 private:
  std::string base_;
  std::string changelog_;
  std::vector<std::string> names_;
};

nlohmann::json Parse(const test::CliRun& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  nlohmann::json doc;
  REQUIRE_NOTHROW(doc = nlohmann::json::parse(r.out));
  return doc;
}

TEST_CASE("issue 15.1 fleet: a list and a pattern bring every tenant to the same version, --jobs 4") {
  Tenants t("i15_same", 10);
  // A list of five, one job.
  test::CliRun list = t.Run("migrate", t.List(5));
  INFO("list stdout: " << list.out << "\nlist stderr: " << list.err);
  REQUIRE(list.code == 0);
  CHECK(Contains(list.out, "Fleet migrate of 5 targets, 1 job"));
  CHECK(Contains(list.out, "5 ok, 0 failed, 0 not started."));
  for (size_t i = 0; i < 5; ++i) CHECK(t.Version(t.names()[i]) == "2.0.0");
  for (size_t i = 5; i < 10; ++i) CHECK(t.Version(t.names()[i]) == "-");

  // The pattern: the five done are no-ops, the other five migrate, 4 at once.
  test::CliRun pattern = t.Run("migrate", {"--databases", t.pattern(), "--jobs", "4", "--format", "json"});
  nlohmann::json doc = Parse(pattern);
  CHECK(pattern.code == 0);
  CHECK(doc["fleet"] == "migrate");
  CHECK(doc["jobs"] == 4);
  CHECK(doc["ok"] == true);
  CHECK(doc["exit_code"] == 0);
  CHECK(doc["counts"]["targets"] == 10);
  CHECK(doc["counts"]["ok"] == 10);
  REQUIRE(doc["targets"].size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    const nlohmann::json& row = doc["targets"][i];
    CHECK(row["database"] == t.names()[i]);  // fleet order: the pattern's matches sorted
    CHECK(row["outcome"] == "ok");
    CHECK(row["to_version"] == "2.0.0");
    CHECK(row["from_version"] == (i < 5 ? "2.0.0" : ""));
    if (i < 5) CHECK(row["steps"] == 0);
    if (i >= 5) CHECK(row["steps"].get<int>() > 0);
    CHECK(t.Version(t.names()[i]) == "2.0.0");
  }
  // The changelog schema is never a target, even when the pattern matches it.
  test::CliRun status = t.Run(
      "status", {"--databases", t.pattern().substr(0, t.pattern().size() - 3) + "%", "--format", "json", "-j", "3"});
  nlohmann::json s = Parse(status);
  CHECK(status.code == 0);
  CHECK(s["counts"]["targets"] == 10);
  for (const auto& row : s["targets"]) {
    CHECK(row["database"] != t.changelog());
    CHECK(row["steps"] == 0);  // nothing pending
  }
  // plan, check and validate run over the fleet too.
  for (const char* command : {"plan", "check", "validate"}) {
    test::CliRun r = t.Run(command, {"--databases", t.pattern(), "-j", "2"});
    INFO(command << " stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.code == 0);
    CHECK(Contains(r.out, "10 ok, 0 failed, 0 not started."));
  }
}

TEST_CASE("issue 15.1 fleet: a failing target stops new starts; --keep-going runs the rest; the exit code is its") {
  Tenants t("i15_fail", 5);
  // Tenant 1 has a table of its own and no chimp state: migrate refuses to
  // adopt it (exit 9) before writing anything.
  test::Exec("CREATE TABLE `" + t.names()[1] + "`.legacy (id INT PRIMARY KEY)");

  test::CliRun stop = t.Run("migrate", {"--databases", t.pattern(), "--format", "json"});
  nlohmann::json doc = Parse(stop);
  CHECK(stop.code == 9);
  CHECK(doc["exit_code"] == 9);
  CHECK(doc["ok"] == false);
  CHECK(doc["counts"]["ok"] == 1);
  CHECK(doc["counts"]["failed"] == 1);
  CHECK(doc["counts"]["not_started"] == 3);
  CHECK(doc["targets"][0]["outcome"] == "ok");
  CHECK(doc["targets"][1]["outcome"] == "failed");
  CHECK(doc["targets"][1]["exit_code"] == 9);
  CHECK(Contains(doc["targets"][1]["message"].get<std::string>(), t.names()[1]));
  for (int i = 2; i < 5; ++i) {
    CHECK(doc["targets"][i]["outcome"] == "not started");
    CHECK(doc["targets"][i]["exit_code"].is_null());
    CHECK(t.Version(t.names()[i]) == "-");  // never touched
  }
  CHECK(t.Version(t.names()[0]) == "2.0.0");

  // Text: the failure on stderr with its target, the summary on stdout.
  test::CliRun keep = t.Run("migrate", {"--databases", t.pattern(), "--keep-going", "-j", "2"});
  INFO("stdout: " << keep.out << "\nstderr: " << keep.err);
  CHECK(keep.code == 9);
  CHECK(Contains(keep.err, t.names()[1] + ": FAILED (exit 9)"));
  CHECK(Contains(keep.out, "4 ok, 1 failed, 0 not started; exit 9 (the first failing target in fleet order, " +
                               t.names()[1] + ")"));
  CHECK(Contains(keep.out, "TARGET"));
  for (int i : {0, 2, 3, 4}) CHECK(t.Version(t.names()[i]) == "2.0.0");
  CHECK(t.Version(t.names()[1]) == "-");
}

TEST_CASE("issue 15.1 fleet: a run killed in the middle converges on a rerun, every target resumed") {
  Tenants t("i15_kill", 8);
  // The 40th statement of the run, over all jobs: several targets are in
  // the middle of an edge, some not begun.
  test::CliRun killed =
      t.Run("migrate", {"--databases", t.pattern(), "-j", "4"}, {{"CHIMP_TEST_CRASH_AT", "after-statement:40"}});
  INFO("killed stdout: " << killed.out << "\nkilled stderr: " << killed.err);
  REQUIRE(killed.signal == 9);
  std::set<std::string> versions;
  for (const std::string& db : t.names()) versions.insert(t.Version(db));
  CHECK(versions.count("2.0.0") < 8);  // not every target had finished

  test::CliRun rerun = t.Run("migrate", {"--databases", t.pattern(), "-j", "4", "--format", "json"});
  nlohmann::json doc = Parse(rerun);
  CHECK(rerun.code == 0);
  CHECK(doc["counts"]["ok"] == 8);
  for (const std::string& db : t.names()) CHECK(t.Version(db) == "2.0.0");
  test::CliRun validate = t.Run("validate", {"--databases", t.pattern(), "--format", "json"});
  nlohmann::json v = Parse(validate);
  CHECK(validate.code == 0);
  for (const auto& row : v["targets"]) CHECK(row["outcome"] == "ok");
}

TEST_CASE("issue 15.1 fleet: a first SIGINT stops every running target at a safe point and starts no new one") {
  Tenants t("i15_sig", 40);
  test::ScratchDir scratch("chimp_i15_sig_");
  const std::string output = (scratch.path() / "out").string();
  const test::ServerFlags server = test::TestServerFlags();
  std::vector<std::string> args =
      Args({{CHIMP_BINARY},
            server.flags,
            {"migrate", "--changelog-schema", t.changelog(), "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--databases",
             t.pattern(), "-j", "2", "--format", "json"}});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || ::dup2(out, 1) < 0) _exit(126);
    ::unsetenv("CHIMP_TEST_CRASH_AT");
    if (!server.password.empty()) ::setenv("CHIMP_PASSWORD", server.password.c_str(), 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  // Once a target is done (the changelog exists by then), interrupt.
  for (int i = 0; i < 1500; ++i) {
    const std::string v = t.Version(t.names()[1]);
    if (v == "2.0.0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGINT);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 12);
  test::CliRun stopped;
  stopped.out = test::Slurp(output);
  nlohmann::json doc = Parse(stopped);
  CHECK(doc["exit_code"] == 12);
  CHECK(doc["counts"]["not_started"].get<int>() > 0);  // none started after the signal
  CHECK(doc["counts"]["ok"].get<int>() >= 1);
  for (const auto& row : doc["targets"]) {
    if (row["outcome"] == "failed") CHECK(row["exit_code"] == 12);  // interrupted, not a failure of its own
  }
  test::CliRun rerun = t.Run("migrate", {"--databases", t.pattern(), "-j", "4"});
  INFO("rerun stdout: " << rerun.out << "\nstderr: " << rerun.err);
  CHECK(rerun.code == 0);
  for (const std::string& db : t.names()) CHECK(t.Version(db) == "2.0.0");
}

TEST_CASE("issue 15.1 fleet: [[targets]] of the config file, and contradictory or bad inputs refused with exit 2") {
  Tenants t("i15_cfg", 3);
  test::ScratchDir scratch("chimp_i15_");
  const test::ServerFlags server = test::TestServerFlags();
  const std::string socket = server.flags[1];
  const std::string user = server.flags.size() > 3 ? server.flags[3] : "";
  auto write_config = [&](const std::string& body) {
    const fs::path file = scratch.path() / "chimp.toml";
    std::ofstream(file) << body;
    return file.string();
  };
  const std::string user_line = user.empty() ? "" : "user = \"" + user + "\"\n";
  const std::string config =
      write_config("[changelog]\nschema = \"" + t.changelog() + "\"\n[plugins]\npaths = [\"" +
                   CHIMP_SAMPLE_MIGRATIONS_DIR + "\"]\n[[targets]]\nsocket = \"" + socket + "\"\n" + user_line +
                   "database = [\"" + t.names()[0] + "\", \"" + t.names()[1] + "\"]\n[[targets]]\nsocket = \"" +
                   socket + "\"\n" + user_line + "databases = \"" + t.names()[2] + "\"\n");
  test::CliOptions options;
  options.password = server.password;
  test::CliRun run = test::RunCli(CHIMP_BINARY, {"migrate", "--config", config, "-j", "2"}, options);
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  CHECK(run.code == 0);
  CHECK(Contains(run.out, "3 ok, 0 failed, 0 not started."));
  for (const std::string& db : t.names()) CHECK(t.Version(db) == "2.0.0");

  // A server flag contradicts [[targets]], which name their servers.
  test::CliRun host = test::RunCli(CHIMP_BINARY, {"status", "--config", config, "--socket", socket}, options);
  CHECK(host.code == 2);
  CHECK(Contains(host.err, "--socket contradicts the config file's [[targets]]"));

  // The same database twice (here through a pattern that matches a listed one).
  const std::string dup = write_config("[[targets]]\nsocket = \"" + socket + "\"\n" + user_line + "database = \"" +
                                       t.names()[0] + "\"\n[[targets]]\nsocket = \"" + socket + "\"\n" + user_line +
                                       "databases = \"" + t.pattern() + "\"\n[changelog]\nschema = \"" + t.changelog() +
                                       "\"\n[plugins]\npaths = [\"" + CHIMP_SAMPLE_MIGRATIONS_DIR + "\"]\n");
  test::CliRun twice = test::RunCli(CHIMP_BINARY, {"status", "--config", dup}, options);
  CHECK(twice.code == 2);
  CHECK(Contains(twice.err, "database '" + t.names()[0] + "' on server " + socket + " is named twice"));

  // database and databases in one table.
  const std::string both = write_config("[[targets]]\ndatabase = \"a\"\ndatabases = \"b%\"\n");
  test::CliRun both_run = test::RunCli(CHIMP_BINARY, {"status", "--config", both}, options);
  CHECK(both_run.code == 2);
  CHECK(Contains(both_run.err, "sets both 'database' (names) and 'databases' (a pattern)"));

  // On the command line: a duplicate, both flags, an empty match, a
  // one-target command.
  test::CliRun dup_flag = t.Run("migrate", {"-d", t.names()[0], "-d", t.names()[0]});
  CHECK(dup_flag.code == 2);
  CHECK(Contains(dup_flag.err, "is named twice, by --database and by --database"));
  test::CliRun both_flags = t.Run("migrate", {"-d", t.names()[0], "--databases", t.pattern()});
  CHECK(both_flags.code == 2);
  CHECK(Contains(both_flags.err, "--database and --databases both name the targets"));
  test::CliRun none = t.Run("migrate", {"--databases", t.pattern() + "_nothing_%"});
  CHECK(none.code == 2);
  CHECK(Contains(none.err, "is LIKE '" + t.pattern() + "_nothing_%'"));
  test::CliRun log = t.Run("log", t.List(2));
  CHECK(log.code == 2);
  CHECK(Contains(log.err, "log runs on one database"));
  // Nothing above wrote anything: the versions are as the first run left them.
  for (const std::string& db : t.names()) CHECK(t.Version(db) == "2.0.0");
}

TEST_CASE("issue 15.1 fleet: the plugin set is loaded once per run, not once per target") {
  Tenants t("i15_once", 6);
  test::ScratchDir scratch("chimp_i15_once_");
  const fs::path plugins = scratch.Dir("plugins", fs::perms::owner_all);
  fs::copy_file(test::FixtureDir("noop_v1") + "/noop_v1.so", plugins / "noop.so");
  fs::permissions(plugins / "noop.so", fs::perms(0644));
  const std::string log = (scratch.path() / "loads.log").string();
  test::CliRun run = t.Run("migrate", {"--databases", t.pattern(), "-j", "3"},
                           {{"CHIMP_DESCRIPTOR_CACHE", "off"}, {"CHIMP_FIXTURE_LOAD_LOG", log}}, plugins.string());
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE(run.code == 0);
  std::ifstream in(log);
  int loads = 0;
  for (std::string line; std::getline(in, line);) ++loads;
  CHECK(loads == 2);  // the trial child and chimp, once for the six targets
  for (const std::string& db : t.names()) CHECK(t.Version(db) == "1.0.0");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
