// Issue 14, items 3 and 4, on the real server through the chimp binary:
//   3. configuration the way operators configure: CHIMP_* environment
//      variables (below flags), MySQL option files read by Connector/C
//      (--defaults-file, ~/.my.cnf, --no-defaults), NO_COLOR and --color;
//   4. exit codes monitoring can trust: status exits non-zero when the target
//      is not at a plannable state, and -q prints warnings and errors only.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chimp/connection.hpp"
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
using test::ScratchDir;
using test::Target;
using Env = std::vector<std::pair<std::string, std::string>>;

// chimp with the test server's password in CHIMP_PASSWORD and `env` added,
// but none of its connection flags: the settings come from elsewhere.
test::CliRun Bare(const std::vector<std::string>& args, Env env = {}) {
  test::CliOptions options;
  options.password = test::TestServer::Shared().Options().password;
  options.env = std::move(env);
  return test::RunCli(CHIMP_BINARY, args, options);
}

void WriteFile(const fs::path& path, const std::string& text,
               fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(path) << text;
  fs::permissions(path, perms);
}

// An option file naming the test server's socket and user in [client] and
// `db` in [chimp]; the [mysql] group (the mariadb client's, not chimp's)
// names another database that must not be used.
std::string OptionFile(const std::string& db) {
  ConnectionOptions o = test::TestServer::Shared().Options();
  std::string text = "# chimp's test option file\n[client]\nsocket = " + o.socket + "\n";
  if (!o.user.empty()) text += "user = " + o.user + "\n";
  text += "\n[mysql]\ndatabase = not_this_one\n\n[chimp]\ndatabase = \"" + db + "\"\n";
  return text;
}

constexpr const char* kEscape = "\x1b[";

// Runs chimp on a pseudo-terminal (stdout and stderr both on it), with
// TERM=xterm and `env`; returns everything it wrote. [main-thread]
std::string OnTerminal(const std::vector<std::string>& args, const Env& env) {
  ScratchDir dir("chimp_i14_pty_");
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  std::string program = CHIMP_BINARY;
  argv.push_back(program.data());
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::chdir(dir.path().c_str()) != 0) _exit(127);
    ::setenv("TERM", "xterm", 1);
    ::setenv("HOME", dir.path().c_str(), 1);
    ::unsetenv("NO_COLOR");
    ::unsetenv("CHIMP_COLOR");
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  return out;
}

// Item 3: environment --------------------------------------------------------

TEST_CASE("issue 14.3: CHIMP_* environment variables are honoured, and flags override them") {
  Target t("i14_env");
  Target other("i14_env_other");
  ConnectionOptions o = test::TestServer::Shared().Options();
  Env env = {{"CHIMP_SOCKET", o.socket},
             {"CHIMP_DATABASE", t.db},
             {"CHIMP_CHANGELOG_SCHEMA", t.changelog},
             {"CHIMP_PLUGINS", CHIMP_SAMPLE_MIGRATIONS_DIR},
             {"CHIMP_CONNECT_TIMEOUT", "5"},
             {"CHIMP_LOCK_TIMEOUT", "30"}};
  if (!o.user.empty()) env.emplace_back("CHIMP_USER", o.user);

  test::CliRun migrated = Bare({"migrate", "--to", "1.0.0"}, env);
  INFO("stderr: " << migrated.err);
  REQUIRE(migrated.code == 0);
  CHECK(Contains(migrated.out, "'" + t.db + "'"));
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(t.changelog) + ".chimp_changelog") !=
        "0");

  test::CliRun status = Bare({"status"}, env);
  CHECK(status.code == 0);
  CHECK(Contains(status.out, "Database:         " + t.db + "\n"));
  CHECK(Contains(status.out, "schema '" + t.changelog + "'"));
  CHECK(Contains(status.out, "Current version:  1.0.0"));

  // Flags win over the environment.
  test::CliRun flagged = Bare({"status", "-d", other.db, "--changelog-schema", other.changelog}, env);
  CHECK(flagged.code == 0);
  CHECK(Contains(flagged.out, "Database:         " + other.db + "\n"));
  CHECK(Contains(flagged.out, "Current version:  (empty)"));

  // CHIMP_HOST without CHIMP_SOCKET means TCP: the socket from the
  // environment is not used, so the unreachable port is what fails.
  Env tcp = env;
  tcp.emplace_back("CHIMP_PORT", "1");
  tcp.emplace_back("CHIMP_HOST", "127.0.0.1");
  for (auto it = tcp.begin(); it != tcp.end(); ++it) {
    if (it->first == "CHIMP_SOCKET") {
      tcp.erase(it);
      break;
    }
  }
  test::CliRun refused = Bare({"status"}, tcp);
  CHECK(refused.code == 6);
  CHECK(Contains(refused.err, "127.0.0.1"));
}

TEST_CASE("issue 14.3: a bad value in a CHIMP_* variable is a usage error naming the variable") {
  const std::vector<std::string> graph = {"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR};
  REQUIRE(Bare(graph).code == 0);

  test::CliRun port = Bare(graph, {{"CHIMP_PORT", "33o6"}});
  CHECK(port.code == 2);
  CHECK(Contains(port.err, "CHIMP_PORT"));
  CHECK(Contains(port.err, "'33o6' is not an integer"));
  CHECK(port.out.empty());

  test::CliRun range = Bare(graph, {{"CHIMP_PORT", "70000"}});
  CHECK(range.code == 2);
  CHECK(Contains(range.err, "CHIMP_PORT: must be between 1 and 65535, not 70000"));

  test::CliRun lock = Bare(graph, {{"CHIMP_LOCK", "mutex"}});
  CHECK(lock.code == 2);
  CHECK(Contains(lock.err, "CHIMP_LOCK"));

  test::CliRun flag = Bare(graph, {{"CHIMP_SSL_VERIFY_SERVER_CERT", "sometimes"}});
  CHECK(flag.code == 2);
  CHECK(Contains(flag.err, "CHIMP_SSL_VERIFY_SERVER_CERT: 'sometimes' is not a boolean"));

  test::CliRun color = Bare(graph, {{"CHIMP_COLOR", "rainbow"}});
  CHECK(color.code == 2);
  CHECK(Contains(color.err, "CHIMP_COLOR"));

  // A flag of the same setting does not make the bad variable acceptable:
  // the environment is read before the flags, and a typo there must show.
  CHECK(Bare(Args({graph, {"--port", "3306"}}), {{"CHIMP_PORT", "x"}}).code == 2);
}

// Item 3: option files -------------------------------------------------------

TEST_CASE("issue 14.3: --defaults-file: [client] socket and user and [chimp] database are used") {
  Target t("i14_cnf");
  ScratchDir dir("chimp_i14_cnf_");
  const fs::path cnf = dir.path() / "deploy.cnf";
  WriteFile(cnf, OptionFile(t.db));

  const std::vector<std::string> status = {"status", "--changelog-schema", t.changelog};
  test::CliRun used = Bare(Args({status, {"--defaults-file", cnf.string()}}));
  INFO("stderr: " << used.err);
  CHECK(used.code == 0);
  CHECK(Contains(used.out, "Database:         " + t.db + "\n"));

  // The connection is the one the file describes: init creates the
  // changelog in the file's database on the file's server.
  test::CliRun init = Bare({"init", "--defaults-file", cnf.string(), "--changelog-schema", t.changelog});
  CHECK(init.code == 0);
  CHECK(Contains(init.out, t.db));
  CHECK(test::SchemaCount(t.changelog) == "1");

  // Flags and the environment win over the file.
  Target other("i14_cnf_other");
  test::CliRun flagged = Bare(Args({status, {"--defaults-file", cnf.string(), "-d", other.db}}));
  CHECK(flagged.code == 0);
  CHECK(Contains(flagged.out, "Database:         " + other.db + "\n"));
  test::CliRun from_env = Bare(Args({status, {"--defaults-file", cnf.string()}}), {{"CHIMP_DATABASE", other.db}});
  CHECK(Contains(from_env.out, "Database:         " + other.db + "\n"));

  // CHIMP_DEFAULTS_FILE does the same; --no-defaults ignores it.
  test::CliRun env_file = Bare(status, {{"CHIMP_DEFAULTS_FILE", cnf.string()}});
  CHECK(env_file.code == 0);
  CHECK(Contains(env_file.out, "Database:         " + t.db + "\n"));
  test::CliRun none = Bare(Args({status, {"--no-defaults"}}), {{"CHIMP_DEFAULTS_FILE", cnf.string()}});
  CHECK(none.code == 2);
  CHECK(Contains(none.err, "database"));
  CHECK_FALSE(Contains(none.out, t.db));

  // A named file that is not there is a usage error naming it.
  test::CliRun missing = Bare(Args({status, {"--defaults-file", (dir.path() / "nope.cnf").string()}}));
  CHECK(missing.code == 2);
  CHECK(Contains(missing.err, "--defaults-file '" + (dir.path() / "nope.cnf").string() + "'"));
}

TEST_CASE("issue 14.3: ~/.my.cnf is read by default, --defaults-extra-file after it, --no-defaults reads none") {
  Target t("i14_home");
  Target extra_db("i14_home_extra");
  ScratchDir home("chimp_i14_home_");
  WriteFile(home.path() / ".my.cnf", OptionFile(t.db));
  const fs::path extra = home.path() / "extra.cnf";
  WriteFile(extra, "[chimp]\ndatabase=" + extra_db.db + "\n");
  const Env env = {{"HOME", home.path().string()}};
  const std::vector<std::string> status = {"status", "--changelog-schema", t.changelog};

  test::CliRun standard = Bare(status, env);
  INFO("stderr: " << standard.err);
  CHECK(standard.code == 0);
  CHECK(Contains(standard.out, "Database:         " + t.db + "\n"));

  test::CliRun later = Bare(Args({status, {"--defaults-extra-file", extra.string()}}), env);
  CHECK(later.code == 0);
  CHECK(Contains(later.out, "Database:         " + extra_db.db + "\n"));

  test::CliRun none = Bare(Args({status, {"--no-defaults"}}), env);
  CHECK(none.code == 2);
  CHECK_FALSE(Contains(none.out, t.db));

  // The config file can turn them off too.
  WriteFile(home.path() / "chimp.toml", "[database]\nread_default_option_file = false\n");
  test::CliRun off = Bare(Args({status, {"--config", (home.path() / "chimp.toml").string()}}), env);
  CHECK(off.code == 2);
}

// Item 3: colour ---------------------------------------------------------------

TEST_CASE("issue 14.3: NO_COLOR and --color=never print no escape codes, --color=always does") {
  ScratchDir dir("chimp_i14_color_");
  // A password file others can read draws a warning: a coloured log line.
  const fs::path pw = dir.path() / "password";
  WriteFile(pw, "secret\n",
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  const std::vector<std::string> graph = {"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--password-file",
                                          pw.string()};

  test::CliRun always = Bare(Args({graph, {"--color=always"}}));
  CHECK(always.code == 0);
  CHECK(Contains(always.err, "warning"));
  CHECK(Contains(always.err, kEscape));
  test::CliRun never = Bare(Args({graph, {"--color=never"}}), {{"CHIMP_COLOR", "always"}});
  CHECK(never.code == 0);
  CHECK(Contains(never.err, "warning"));
  CHECK_FALSE(Contains(never.err, kEscape));
  test::CliRun env_always = Bare(graph, {{"CHIMP_COLOR", "always"}});
  CHECK(Contains(env_always.err, kEscape));

  // On a terminal: coloured by default, not with NO_COLOR.
  std::string tty = OnTerminal(graph, {});
  CHECK(Contains(tty, "warning"));
  CHECK(Contains(tty, kEscape));
  std::string no_color = OnTerminal(graph, {{"NO_COLOR", "1"}});
  CHECK(Contains(no_color, "warning"));
  CHECK_FALSE(Contains(no_color, kEscape));
}

// Item 4: status exit codes ------------------------------------------------------

// `text` (a run of `status`) and the JSON run of `status` exit `code`, say why
// on stderr, and the JSON says it is not plannable.
void CheckNotPlannable(const test::CliRun& text, const std::vector<std::string>& status, int code) {
  CHECK(text.code == code);
  CHECK(Contains(text.err, "chimp: status: not at a plannable state: "));
  test::CliRun json = ChimpOnServer(Args({status, {"--format", "json"}}));
  CHECK(json.code == code);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["plannable"] == false);
  CHECK(doc["exit_code"] == code);
}

TEST_CASE("issue 14.4: status exits 8 for a failed step and for a step left running by a dead run") {
  Target t("i14_failed");
  const std::string plugins = test::FixtureDir("changed_step_v1");
  const std::vector<std::string> status = Args({t.Common("status"), {"--plugins", plugins}});
  REQUIRE(ChimpOnServer(Args({t.Common("migrate"), {"--plugins", plugins}})).code == 8);

  test::CliRun failed = ChimpOnServer(status);
  CheckNotPlannable(failed, status, 8);
  // The report is printed all the same.
  CHECK(Contains(failed.out, "Database:         " + t.db));
  CHECK(Contains(failed.out, "Failed/running:   1"));
  CHECK(Contains(failed.err, "failed"));

  // -q: no report, the reason on stderr, the same code.
  test::CliRun quiet = ChimpOnServer(Args({status, {"-q"}}));
  CHECK(quiet.code == 8);
  CHECK(quiet.out.empty());
  CHECK(Contains(quiet.err, "not at a plannable state"));

  // The failed row turned into a running one whose run is gone (a run killed
  // mid-step): nobody holds the lock, so it is not a live run.
  test::Exec("UPDATE " + Connection::QuoteIdentifier(t.changelog) +
             ".chimp_changelog SET status = 'running', finished_at = NULL WHERE status = 'failed'");
  test::CliRun left = ChimpOnServer(status);
  CHECK(left.code == 8);
  CHECK(Contains(left.out, "running (its run is gone)"));
  CHECK(Contains(left.err, "left running"));
}

TEST_CASE("issue 14.4: status exits 9 on a checksum mismatch, 0 when up to date") {
  Target t("i14_checksum");
  const std::vector<std::string> status = Args({t.Common("status"), {"--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR}});
  REQUIRE(ChimpOnServer(Args({t.Common("migrate"), {"--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR}})).code == 0);
  test::CliRun clean = ChimpOnServer(status);
  CHECK(clean.code == 0);
  CHECK(Contains(clean.out, "up to date"));

  test::Exec("UPDATE " + Connection::QuoteIdentifier(t.changelog) +
             ".chimp_changelog SET checksum = 'sha256:0000' ORDER BY id LIMIT 1");
  test::CliRun bad = ChimpOnServer(status);
  CheckNotPlannable(bad, status, 9);
  CHECK(Contains(bad.out, "cannot plan"));
  CHECK(Contains(bad.out, "Current version:  2.0.0"));
}

// Item 4: -q -------------------------------------------------------------------

TEST_CASE("issue 14.4: -q prints warnings and errors only, for every command") {
  Target t("i14_quiet");
  ScratchDir dir("chimp_i14_quiet_");
  const std::vector<std::string> plugins = {"--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR};

  test::CliRun plan = ChimpOnServer(Args({t.Common("plan"), plugins, {"-q"}}));
  CHECK(plan.code == 0);
  CHECK(plan.out.empty());
  test::CliRun migrate = ChimpOnServer(Args({t.Common("migrate"), plugins, {"--to", "1.0.0", "-q"}}));
  CHECK(migrate.code == 0);
  CHECK(migrate.out.empty());
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(t.changelog) + ".chimp_changelog") !=
        "0");
  test::CliRun loud = ChimpOnServer(Args({t.Common("migrate"), plugins}));
  CHECK(loud.code == 0);
  CHECK(Contains(loud.out, "Migrating:"));
  for (const char* command : {"status", "log", "validate", "plan"}) {
    test::CliRun quiet = ChimpOnServer(Args({t.Common(command), plugins, {"--quiet"}}));
    CAPTURE(command);
    CHECK(quiet.code == 0);
    CHECK(quiet.out.empty());
  }

  // Warnings still show (a password file others can read); a document asked
  // for (graph's dot, --format json) is still printed.
  const fs::path pw = dir.path() / "password";
  WriteFile(pw, "secret\n", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  test::CliRun warned = Bare({"graph", "-q", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--password-file", pw.string()});
  CHECK(warned.code == 0);
  CHECK(Contains(warned.out, "digraph"));
  CHECK(Contains(warned.err, "readable by group or others"));
  test::CliRun json = ChimpOnServer(Args({t.Common("status"), plugins, {"-q", "--format", "json"}}));
  CHECK(json.code == 0);
  CHECK(nlohmann::json::parse(json.out)["up_to_date"] == true);
  // Errors too.
  test::CliRun error = ChimpOnServer(Args({t.Common("migrate"), plugins, {"-q", "--to", "9.9.9"}}));
  CHECK(error.code != 0);
  CHECK(error.out.empty());
  CHECK_FALSE(error.err.empty());
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
