// Eight `chimp migrate` processes (the real binary) started together against
// one database apply every step exactly once, with either lock kind; each
// exits 0 or with the lock-timeout code.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Slurp;

namespace fs = std::filesystem;

constexpr int kProcesses = 8;

void RunEight(const char* lock_kind) {
  test::TestServer& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase(std::string("eight_") + lock_kind);
  const std::string schema = db + "_chimp";
  ConnectionOptions conn = server.Options();
  fs::path dir =
      fs::temp_directory_path() / ("chimp_eight_" + std::string(lock_kind) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string config = (dir / "chimp.toml").string();
  std::ofstream(config) << "[changelog]\nlock = \"" << lock_kind << "\"\nlease_seconds = 10\n";

  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcesses; ++i) {
    // Half wait for the lock, half give up at once: both outcomes must be
    // clean.
    std::vector<std::string> args = {CHIMP_BINARY,
                                     "migrate",
                                     "--config",
                                     config,
                                     "--socket",
                                     conn.socket,
                                     "--user",
                                     conn.user,
                                     "-d",
                                     db,
                                     "--plugins",
                                     CHIMP_SAMPLE_MIGRATIONS_DIR,
                                     "--changelog-schema",
                                     schema,
                                     "--lock-timeout",
                                     i % 2 == 0 ? "60" : "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = (dir / ("out" + std::to_string(i))).string();
    const std::string err = (dir / ("err" + std::to_string(i))).string();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      ssize_t ignored = ::read(gate[0], &c, 1);  // until the parent opens the gate
      (void)ignored;
      int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fo < 0 || fe < 0 || ::dup2(fo, 1) < 0 || ::dup2(fe, 2) < 0 || ::chdir(dir.c_str()) != 0) _exit(127);
      if (conn.password.empty()) {
        ::unsetenv("CHIMP_PASSWORD");
      } else {
        ::setenv("CHIMP_PASSWORD", conn.password.c_str(), 1);
      }
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // all start now

  int succeeded = 0;
  for (int i = 0; i < kProcesses; ++i) {
    int status = 0;
    REQUIRE(::waitpid(pids[i], &status, 0) == pids[i]);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const std::string err = Slurp(dir / ("err" + std::to_string(i)));
    CAPTURE(i);
    CAPTURE(err);
    CHECK((code == 0 || code == 7));
    if (code == 0) ++succeeded;
    if (code == 7) CHECK(err.find("held by") != std::string::npos);
  }
  CHECK(succeeded >= kProcesses / 2);

  EngineOptions options;
  options.connection = conn;
  options.database = db;
  options.changelog_schema = schema;
  options.plugin_dirs = {CHIMP_SAMPLE_MIGRATIONS_DIR};
  auto log = ReadLog(options);
  REQUIRE(log.ok());
  std::map<std::string, int> successes;
  for (const ChangelogEntry& e : *log) {
    const std::string what = e.step_id + " " + e.error;
    CHECK_MESSAGE(e.status == StepStatus::kSuccess, what);
    ++successes[e.step_id];
  }
  for (const auto& [id, n] : successes) CHECK_MESSAGE(n == 1, id);
  // Every step of the path from nothing to the newest version, once.
  EngineOptions fresh = options;
  fresh.database = server.FreshDatabase("eight_reference");
  fresh.changelog_schema = fresh.database + "_chimp";
  auto reference = MakeMigrationPlan(fresh, PlanRequest{});
  REQUIRE(reference.ok());
  CHECK(successes.size() == reference->plan.steps.size());
  auto status = GetStatus(options);
  REQUIRE(status.ok());
  CHECK(status->state.version == reference->plan.target);
  // A lease is released at the end of every run.
  if (std::string(lock_kind) == "lease") {
    auto c = server.Connect();
    auto rows = c->QueryScalar("SELECT COUNT(*) FROM " + Connection::QuoteIdentifier(schema) + ".chimp_lock");
    REQUIRE(rows.ok());
    CHECK((*rows)->ToString() == "0");
  }
  fs::remove_all(dir);
}

TEST_CASE("concurrency: eight migrate processes with the named lock apply every step once") { RunEight("named"); }

TEST_CASE("concurrency: eight migrate processes with the lease lock apply every step once") { RunEight("lease"); }

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
