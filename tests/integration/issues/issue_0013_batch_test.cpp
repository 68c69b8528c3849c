// Issue 13.1, "bookkeeping that costs about nothing per step": the success
// of a single-statement DDL step is written by the next write (doc/
// recovery.md, "Deferred finish"), and consecutive one-DDL steps on
// different objects insert their rows in one write ("Steps written
// together").
// The fault-injection proof: `migrate` of the single_ddl_steps fixture
// killed at every crash point, then run again, ends as a clean run does,
// with one success row per step and nothing left running.
#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

constexpr int kSteps = 8;  // tests/plugins/single_ddl_steps.cpp, its check included

std::vector<std::string> Flags(const test::Target& target, const std::string& command) {
  return test::Args({target.Common(command), {"--plugins", test::FixtureDir("single_ddl_steps")}});
}

std::string State(const std::string& db) {
  std::string out;
  for (const char* query : {"SHOW TABLES", "SHOW CREATE TABLE a", "SHOW CREATE TABLE c", "SELECT * FROM a"}) {
    for (const auto& row : test::Rows(db, query)) {
      for (const std::string& cell : row) out += cell + "|";
      out += "\n";
    }
  }
  return out;
}

// One row per step, each `success` after all its statements; none running.
std::string Rows(const test::Target& target) {
  std::string out;
  for (const auto& row : test::Rows(target.changelog,
                                    "SELECT step_id, status, statement_index FROM chimp_changelog WHERE status <> "
                                    "'failed' ORDER BY id")) {
    out += row[0] + " " + row[1] + " " + row[2] + "\n";
  }
  return out;
}

TEST_CASE("issue 13.1: a kill at every crash point of single-DDL steps whose successes wait converges") {
  const test::Target clean("i13_batch_clean");
  test::CliRun run = test::ChimpOnServer(Flags(clean, "migrate"));
  REQUIRE_MESSAGE(run.code == 0, run.err);
  const std::string want = State(clean.db);
  const std::string want_rows = Rows(clean);
  CHECK(test::Scalar(clean.changelog, "SELECT COUNT(*) FROM chimp_changelog WHERE status = 'success'") ==
        std::to_string(kSteps + 1));
  int kills = 0;
  for (const char* point : {"step-start", "before-statement", "after-statement", "after-index", "before-commit",
                            "after-commit", "before-version"}) {
    for (int n = 1;; ++n) {
      const std::string at = std::string(point) + ":" + std::to_string(n);
      INFO("crash point " << at);
      const test::Target target("i13_batch");
      test::CliOptions crash;
      crash.password = test::TestServerFlags().password;
      crash.env = {{"CHIMP_TEST_CRASH_AT", at}};
      test::CliRun killed =
          test::RunCli(CHIMP_BINARY, test::Args({test::TestServerFlags().flags, Flags(target, "migrate")}), crash);
      if (killed.signal != SIGKILL) {
        REQUIRE_MESSAGE(killed.code == 0, killed.err);  // past the last hit: a clean run
        break;
      }
      ++kills;
      test::CliRun resumed = test::ChimpOnServer(Flags(target, "migrate"));
      CHECK_MESSAGE(resumed.code == 0, resumed.err);
      CHECK(State(target.db) == want);
      CHECK(Rows(target) == want_rows);
      CHECK(test::Scalar(target.changelog, "SELECT COUNT(*) FROM chimp_changelog WHERE status = 'running'") == "0");
      test::CliRun validated = test::ChimpOnServer(Flags(target, "validate"));
      CHECK_MESSAGE(validated.code == 0, validated.err);
    }
  }
  MESSAGE(kills << " kills, each converged");
  CHECK(kills > 3 * kSteps);
}

// Steps a and b (CREATE TABLE a, CREATE TABLE b: different objects) share
// one row write: when b starts, its row is already there, `running` with
// its pre-image. a-note touches a again, so it writes its own row, which
// carries a's and b's successes.
TEST_CASE("issue 13.1: one-DDL steps on different objects write their rows together; successes ride along") {
  const test::Target target("i13_batch_wait");
  test::CliOptions crash;
  crash.password = test::TestServerFlags().password;
  crash.env = {{"CHIMP_TEST_CRASH_AT", "step-start:2"}};
  test::CliRun killed =
      test::RunCli(CHIMP_BINARY, test::Args({test::TestServerFlags().flags, Flags(target, "migrate")}), crash);
  REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
  CHECK(test::Rows(target.changelog,
                   "SELECT step_id, CONCAT(status, ' ', statement_index, ' ', pending_fingerprint LIKE 'sha256:%') "
                   "FROM chimp_changelog ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"single.1.0.0.a", "running 0 1"}, {"single.1.0.0.b", "running 0 1"}});
  CHECK(test::Scalar(target.db, "SHOW TABLES LIKE 'b'") == "(no row)");  // b's statement has not run
  test::CliRun resumed = test::ChimpOnServer(Flags(target, "migrate"));
  CHECK_MESSAGE(resumed.code == 0, resumed.err);
  CHECK(test::Scalar(target.changelog, "SELECT COUNT(*) FROM chimp_changelog WHERE status = 'success'") ==
        std::to_string(kSteps + 1));

  const test::Target next("i13_batch_ride");
  crash.env = {{"CHIMP_TEST_CRASH_AT", "step-start:4"}};
  killed = test::RunCli(CHIMP_BINARY, test::Args({test::TestServerFlags().flags, Flags(next, "migrate")}), crash);
  REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
  CHECK(test::Rows(next.changelog, "SELECT step_id, status FROM chimp_changelog ORDER BY id") ==
        std::vector<std::vector<std::string>>{
            {"single.1.0.0.a", "success"}, {"single.1.0.0.b", "success"}, {"single.1.0.0.a-note", "running"}});
}

// The first step of a shared write fails (its table exists): the row
// written ahead for the step after it, which never started, is deleted.
TEST_CASE("issue 13.1: rows written ahead for steps that never started are deleted when a step fails") {
  const test::Target target("i13_batch_fail");
  REQUIRE(test::ChimpOnServer(Flags(target, "init")).code == 0);
  test::Rows("", "CREATE DATABASE IF NOT EXISTS `" + target.db + "`");
  test::Rows(target.db, "CREATE TABLE a (id INT PRIMARY KEY)");
  test::CliRun failed = test::ChimpOnServer(Flags(target, "migrate"));
  CHECK(failed.code == 8);
  CHECK(test::Rows(target.changelog, "SELECT step_id, status FROM chimp_changelog ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"single.1.0.0.a", "failed"}});
  CHECK(test::Scalar(target.db, "SHOW TABLES LIKE 'b'") == "(no row)");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
