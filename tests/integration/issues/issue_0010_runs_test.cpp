// Issue 10, items 2, 3 and 8, on the real server through the chimp binary:
// a run that loses its lock stops, and the next waits for its sessions; a
// statement a killed run left running is waited for; lock waits are
// bounded and say who holds the lock. Fixtures: tests/plugins/slow_runs.cpp.
//
// CHIMP_ISSUE10_BINARY runs another chimp binary (an older build, to see
// these tests fail without the fix).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;

std::string Binary() {
  const char* other = std::getenv("CHIMP_ISSUE10_BINARY");
  return other != nullptr && *other != '\0' ? other : CHIMP_BINARY;
}

// `migrate` of database `db` with the plugin of `fixture` and `extra` args.
test::CliRun Migrate(const std::string& db, const char* fixture, const std::vector<std::string>& extra = {},
                     std::function<bool()> kill_when = {}) {
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options;
  options.password = server.password;
  options.kill_when = std::move(kill_when);
  return test::RunCli(Binary(),
                      Args({{"migrate"},
                            server.flags,
                            {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir(fixture)},
                            extra}),
                      options);
}

std::string Count(const std::string& db, const std::string& sql) { return test::Scalar(db, sql); }

// The changelog's success rows of `db` (0 before the changelog exists).
int Successes(const std::string& db) {
  const std::string schema = db + "_chimp";
  if (Count("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + schema +
                    "' AND TABLE_NAME = 'chimp_changelog'") == "0") {
    return 0;
  }
  return std::stoi(Count("", "SELECT COUNT(*) FROM `" + schema + "`.chimp_changelog WHERE status = 'success'"));
}

// Polls `done` every 50 ms for up to 60 s; false when it never became true.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Every step of slow_steps applied once: 20 rows, one per step, and one
// success row per step in the changelog.
void CheckSlowStepsOnce(const std::string& db) {
  CHECK(Count(db, "SELECT COUNT(*) FROM slow_log") == "20");
  CHECK(Count(db, "SELECT COUNT(DISTINCT step) FROM slow_log") == "20");
  CHECK(Count(db + "_chimp",
              "SELECT COUNT(*) FROM chimp_changelog WHERE step_id LIKE 'slow.step-%' AND status = 'success'") == "20");
}

TEST_CASE("issue 10: a run whose lock session is killed stops; the next waits for it and converges") {
  const std::string db = test::TestServer::Shared().FreshDatabase("i10_lost");
  test::CliRun first;
  std::thread runner([&] { first = Migrate(db, "slow_steps"); });
  // Once a few steps are in, the lock's session is killed, as a proxy or
  // an operator would.
  const bool started = WaitFor(
      [&] { return Successes(db) >= 3 && Count("", "SELECT IFNULL(IS_USED_LOCK('chimp:" + db + "'), 0)") != "0"; });
  if (started) test::Exec("KILL " + Count("", "SELECT IS_USED_LOCK('chimp:" + db + "')"));
  test::CliRun second = Migrate(db, "slow_steps");
  runner.join();
  REQUIRE(started);
  INFO("first stderr: " << first.err);
  INFO("second stdout: " << second.out << "\nsecond stderr: " << second.err);
  CHECK(first.code == 7);
  CHECK(Contains(first.err, "was lost"));
  CHECK(Contains(first.err, "stopped before its next statement"));
  CHECK(second.code == 0);
  CheckSlowStepsOnce(db);
}

TEST_CASE("issue 10: a run whose lease is taken away stops; the next waits for it and converges") {
  const std::string db = test::TestServer::Shared().FreshDatabase("i10_lease");
  const std::string config = "/tmp/" + db + ".toml";
  std::ofstream(config) << "[changelog]\nlock = \"lease\"\nlease_seconds = 3\n";
  test::CliRun first;
  std::thread runner([&] { first = Migrate(db, "slow_steps", {"--config", config}); });
  const bool started = WaitFor([&] { return Successes(db) >= 3; });
  // The lease row is removed, as an operator who thought the run dead would.
  if (started) test::Exec("DELETE FROM `" + db + "_chimp`.chimp_lock WHERE target = '" + db + "'");
  test::CliRun second = Migrate(db, "slow_steps", {"--config", config});
  runner.join();
  std::remove(config.c_str());
  REQUIRE(started);
  INFO("first stderr: " << first.err);
  INFO("second stdout: " << second.out << "\nsecond stderr: " << second.err);
  CHECK(first.code == 7);
  CHECK(Contains(first.err, "was lost"));
  CHECK(second.code == 0);
  CheckSlowStepsOnce(db);
}

// Restores the server's wait_timeout when the test ends, however it ends.
struct GlobalWaitTimeout {
  std::string saved = Count("", "SELECT @@GLOBAL.wait_timeout");
  explicit GlobalWaitTimeout(int seconds) { test::Exec("SET GLOBAL wait_timeout = " + std::to_string(seconds)); }
  ~GlobalWaitTimeout() { test::Exec("SET GLOBAL wait_timeout = " + saved); }
};

TEST_CASE("issue 10: a short server wait_timeout does not end a run's lock; a second runner waits") {
  const std::string db = test::TestServer::Shared().FreshDatabase("i10_idle");
  test::CliRun first;
  test::CliRun second;
  {
    GlobalWaitTimeout short_timeout(2);
    std::thread runner([&] { first = Migrate(db, "slow_steps"); });
    // 10 steps take 3 s: past the wait_timeout of the lock's idle session.
    const bool past = WaitFor([&] { return Successes(db) >= 11; });
    second = Migrate(db, "slow_steps");
    runner.join();
    REQUIRE(past);
  }
  INFO("first stderr: " << first.err);
  INFO("second stderr: " << second.err);
  CHECK(first.code == 0);
  CHECK(second.code == 0);
  CheckSlowStepsOnce(db);
}

// True while `db`'s ALTER of big copies the table.
bool AlterRunning(const std::string& db) {
  return Count("", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '" + db +
                       "' AND INFO LIKE 'ALTER TABLE big%' AND STATE LIKE 'copy to tmp table%'") != "0";
}

TEST_CASE("issue 10: after a SIGKILL during a long ALTER, migrate waits for it, then converges") {
  const std::string db = test::TestServer::Shared().FreshDatabase("i10_alter");
  REQUIRE(Migrate(db, "slow_alter", {"--to", "1.0.0"}).code == 0);
  test::CliRun killed = Migrate(db, "slow_alter", {}, [&] { return AlterRunning(db); });
  REQUIRE(killed.signal == 9);
  // Started at once: the server still copies the table for the dead run.
  const bool still_running = AlterRunning(db);
  test::CliRun resumed = Migrate(db, "slow_alter");
  INFO("resumed stdout: " << resumed.out << "\nresumed stderr: " << resumed.err);
  CHECK(resumed.code == 0);
  if (still_running) CHECK(Contains(resumed.err, "until the sessions the previous run"));
  CHECK(Count(db, "SELECT b FROM big WHERE id = 1") == "1");
  CHECK(Count(db + "_chimp",
              "SELECT COUNT(*) FROM chimp_changelog WHERE step_id = 'big.alter' AND status = "
              "'failed' AND error NOT LIKE 'interrupted:%'") == "0");
  CHECK(Count(db + "_chimp",
              "SELECT COUNT(*) FROM chimp_changelog WHERE step_id = 'big.alter' AND status = "
              "'success'") == "1");
  // And later runs have nothing to do.
  CHECK(Migrate(db, "slow_alter").code == 0);
}

TEST_CASE("issue 10: an ALTER behind an open transaction fails at --lock-wait-timeout, naming the holder") {
  test::TestServer& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase("i10_mdl");
  REQUIRE(Migrate(db, "slow_alter", {"--to", "1.0.0"}).code == 0);
  auto app = server.Connect(db);
  REQUIRE(app->Execute("START TRANSACTION").ok());
  REQUIRE(app->Execute("UPDATE big SET a = 'held' WHERE id = 2").ok());

  test::CliRun blocked = Migrate(db, "slow_alter", {"--lock-wait-timeout", "4"});
  INFO("blocked stderr: " << blocked.err);
  CHECK(blocked.code == 8);
  CHECK(Contains(blocked.err, "a statement waits for 'Waiting for table metadata lock'"));
  CHECK(Contains(blocked.err, "waited 4 s for a lock, the bound (--lock-wait-timeout"));
  CHECK(Contains(blocked.err, "connection " + std::to_string(app->ThreadId()) + " (root@localhost"));
  CHECK(Contains(blocked.err, "in transaction for"));
  CHECK(Count(db, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + db +
                      "' AND TABLE_NAME = 'big' AND COLUMN_NAME = 'b'") == "0");

  REQUIRE(app->Execute("COMMIT").ok());
  test::CliRun after = Migrate(db, "slow_alter", {"--lock-wait-timeout", "4"});
  INFO("after stderr: " << after.err);
  CHECK(after.code == 0);
  CHECK(Count(db, "SELECT b FROM big WHERE id = 1") == "1");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
