// Issue 10, items 6 and 10: interruptions and secrets. Runs the real chimp
// binary on the shared test server.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

// A chimp child started without waiting for it.
class Background {
 public:
  // The child's stdout and stderr go to `output`.
  Background(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
             const fs::path& output) {
    std::vector<std::string> copy = args;
    copy.insert(copy.begin(), CHIMP_BINARY);
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) _exit(126);
      ::unsetenv("CHIMP_TEST_CRASH_AT");
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) Kill(SIGKILL);
  }
  // Sends `sig` and waits for the exit; returns waitpid's status.
  pid_t Pid() const { return pid_; }
  int Kill(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

bool FileContains(const fs::path& path, const std::string& needle) {
  std::string text = test::Slurp(path.string());
  return text.find(needle) != std::string::npos;
}

// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && FileContains(entry.path(), needle)) found.push_back(entry.path().string());
  }
  return found;
}

// Waits (bounded, not asserted on time) until `path` exists and is not empty.
bool WaitForFile(const fs::path& path) {
  for (int i = 0; i < 600; ++i) {
    std::error_code ec;
    if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST_CASE("issue 10: SIGKILL during migrate --backup leaves the password nowhere") {
  auto options = test::FreshSampleOptions("sig_backup");
  auto conn = test::TestServer::Shared().Connect();
  const std::string user = "sigbk_" + std::to_string(::getpid());
  const std::string password = "Sekr3t-" + std::to_string(::getpid()) + "-pw";
  REQUIRE(conn->Execute("DROP USER IF EXISTS '" + user + "'@'localhost'").ok());
  REQUIRE(conn->Execute("CREATE USER '" + user + "'@'localhost' IDENTIFIED BY '" + password + "'").ok());
  REQUIRE(conn->Execute("GRANT ALL ON *.* TO '" + user + "'@'localhost'").ok());
  REQUIRE(conn->Execute("CREATE DATABASE IF NOT EXISTS `" + options.database + "`").ok());

  const fs::path root = fs::temp_directory_path() / ("chimp_sig_backup_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path tmp = root / "tmp";
  fs::create_directories(tmp);
  // The dump program: reports its pid and whether it can read the option
  // file it was given (without copying the password anywhere), then waits.
  const fs::path marker = root / "dump.pid";
  const fs::path dump = root / "slow-dump.sh";
  {
    std::ofstream out(dump);
    out << "#!/bin/sh\n"
           "for a in \"$@\"; do case \"$a\" in --defaults*=*) f=\"${a#*=}\";; esac; done\n"
           "if grep -q '^password=' \"$f\"; then r=readable; else r=unreadable; fi\n"
           "echo \"$$ $r\" > \"$CHIMP_TEST_MARKER.part\" && mv \"$CHIMP_TEST_MARKER.part\" \"$CHIMP_TEST_MARKER\"\n"
           "exec sleep 60\n";
  }
  fs::permissions(dump, fs::perms::owner_all);

  const auto server = test::TestServer::Shared().Options();
  Background run({"--socket", server.socket, "--user", user, "-d", options.database, "--changelog-schema",
                  options.changelog_schema, "--plugins", options.plugin_dirs.at(0), "migrate", "--to", "1.0.0",
                  "--backup", (root / "dumps").string()},
                 {{"CHIMP_PASSWORD", password},
                  {"TMPDIR", tmp.string()},
                  {"CHIMP_DUMP_PROGRAM", dump.string()},
                  {"CHIMP_TEST_MARKER", marker.string()}},
                 root / "chimp.out");
  REQUIRE(WaitForFile(marker));
  std::string line = test::Slurp(marker.string());
  const pid_t dump_pid = static_cast<pid_t>(std::stol(line));
  CHECK(test::Contains(line, " readable"));
  const fs::path proc = "/proc/" + std::to_string(dump_pid);
  CHECK_FALSE(FileContains(proc / "cmdline", password));
  CHECK_FALSE(FileContains(proc / "environ", password));
  CHECK(FilesContaining(tmp, password).empty());

  run.Kill(SIGKILL);
  ::kill(dump_pid, SIGKILL);
  CHECK(FilesContaining(tmp, password).empty());
  CHECK(FilesContaining(root / "dumps", password).empty());
  REQUIRE(conn->Execute("DROP USER '" + user + "'@'localhost'").ok());
  fs::remove_all(root);
}

// Starts `migrate` of the slow-steps fixture with the slow statement sleeping
// `secs` seconds, and returns once that statement runs on the server.
struct SlowRun {
  std::string db;
  fs::path out;
  std::unique_ptr<Background> run;
};

std::vector<std::string> SlowArgs(const std::string& db) {
  const auto server = test::TestServer::Shared().Options();
  return {"--socket", server.socket,        "--user",      server.user, "-d",
          db,         "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir("interruptible_steps"),
          "migrate"};
}

bool SleepRuns(const std::string& db) {
  return test::Scalar(db, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP%'") != "0";
}

SlowRun StartSlow(const std::string& prefix, int secs) {
  SlowRun r;
  r.db = test::TestServer::Shared().FreshDatabase(prefix);
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE DATABASE IF NOT EXISTS `" + r.db + "`").ok());
  // The fixture's own table before the first migrate: init adopts the
  // database as empty (else migrate refuses it as another tool's).
  std::vector<std::string> init = SlowArgs(r.db);
  init.back() = "init";
  const test::CliRun inited = test::Chimp(init, test::TestServer::Shared().Options().password);
  REQUIRE_MESSAGE(inited.code == 0, inited.err);
  REQUIRE(conn->Execute("CREATE TABLE `" + r.db + "`.slow_conf (secs INT)").ok());
  REQUIRE(conn->Execute("INSERT INTO `" + r.db + "`.slow_conf VALUES (" + std::to_string(secs) + ")").ok());
  r.out = fs::temp_directory_path() / ("chimp_slow_" + r.db + ".out");
  const std::string pw = test::TestServer::Shared().Options().password;
  r.run = std::make_unique<Background>(SlowArgs(r.db),
                                       std::vector<std::pair<std::string, std::string>>{{"CHIMP_PASSWORD", pw}}, r.out);
  bool seen = false;
  for (int i = 0; i < 600 && !seen; ++i) {
    seen = SleepRuns(r.db);
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(seen);
  return r;
}

// After the interrupted run: `migrate` converges (with no sleep) and both
// tables and the row exist.
void CheckConverges(const SlowRun& r) {
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("UPDATE `" + r.db + "`.slow_conf SET secs = 0").ok());
  const std::string pw = test::TestServer::Shared().Options().password;
  auto again = test::Chimp(SlowArgs(r.db), pw);
  CHECK_MESSAGE(again.code == 0, again.err);
  CHECK(test::Scalar(r.db, "SELECT COUNT(*) FROM s_a") == "1");
  CHECK(test::Scalar(r.db, "SELECT COUNT(*) FROM s_b") == "0");
}

std::string LastRow(const std::string& db) {
  return test::Scalar(db, "SELECT CONCAT(status, ' | ', COALESCE(error, '')) FROM `" + db +
                              "_chimp`.chimp_changelog ORDER BY id DESC LIMIT 1");
}

TEST_CASE("issue 10: a first SIGTERM or SIGINT stops before the next statement, records it, exit 12") {
  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    SlowRun r = StartSlow(sig == SIGTERM ? "sig_term" : "sig_int", 2);
    const int status = r.run->Kill(sig);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 12);
    const std::string out = test::Slurp(r.out.string());
    CHECK(test::Contains(out, "stopping after the current statement; send it again to stop now"));
    const std::string row = LastRow(r.db);
    CHECK(test::Contains(row, "failed | "));
    CHECK(test::Contains(row, sig == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT"));
    CHECK(test::Scalar(r.db,
                       "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_NAME = 's_b'") == "0");
    CheckConverges(r);
  }
}

TEST_CASE("issue 10: a second signal kills the running statement on the server") {
  SlowRun r = StartSlow("sig_twice", 600);
  ::kill(r.run->Pid(), SIGTERM);
  // Two signals sent at once may arrive as one: the second follows the message.
  for (int i = 0; i < 600 && !test::Contains(test::Slurp(r.out.string()), "send it again"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(SleepRuns(r.db));
  const int status = r.run->Kill(SIGTERM);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 12);
  CHECK_FALSE(SleepRuns(r.db));
  CHECK(test::Contains(LastRow(r.db), "interrupted by SIGTERM"));
  CheckConverges(r);
}

}  // namespace
}  // namespace chimp
