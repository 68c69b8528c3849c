// ABI 1.1 in the executor, on the real server: session settings per plugin
// and step, the reset between steps, sql_mode changes followed by the
// splitter, the ScriptRunner dialect, warnings, DML grouping in DDL steps,
// and repeatable steps.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::FixtureOptions;
using test::Rows;
using test::RowsOf;
using test::Scalar;

TEST_CASE("session: plugin and step session SQL apply, and every step starts afresh") {
  const std::string db = test::TestServer::Shared().FreshDatabase("session");
  auto options = FixtureOptions(db, "session");
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());

  auto rows = Rows(db, "SELECT step, mode, IFNULL(uservar, 'NULL'), db FROM sm_log ORDER BY seq");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"s1", "STRICT_TRANS_TABLES", "NULL", db});
  CHECK(rows[1] == std::vector<std::string>{"s2", "ANSI_QUOTES,STRICT_TRANS_TABLES", "set-by-s2", db});
  CHECK(rows[2] == std::vector<std::string>{"s2b", "NO_BACKSLASH_ESCAPES", "set-by-s2", db});
  // The next step: the plugin's mode again, the user variable gone.
  CHECK(rows[3] == std::vector<std::string>{"s3", "STRICT_TRANS_TABLES", "NULL", db});
  // The checks with Database("") and Database("mysql") passed.
  CHECK(RowsOf(options, "session.no-db").at(0).status == StepStatus::kSuccess);
  CHECK(RowsOf(options, "session.other-db").at(0).status == StepStatus::kSuccess);
}

TEST_CASE("session: a sql_mode set mid-script changes how the rest of the script splits") {
  const std::string db = test::TestServer::Shared().FreshDatabase("session_split");
  auto options = FixtureOptions(db, "session");
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  // NO_BACKSLASH_ESCAPES: 'a\' is a complete string holding a backslash.
  CHECK(Rows(db, "SELECT v FROM nbe ORDER BY v") == std::vector<std::vector<std::string>>{{"a\\"}, {"b"}});
  // ANSI_QUOTES: "aq\" is an identifier ending in a backslash.
  CHECK(Scalar(db, "SELECT COUNT(*) FROM `aq\\`") == "1");
  auto rows = RowsOf(options, "session.modes-split");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].statement_index == 7);
  CHECK(rows[0].statement_count == 7);
}

TEST_CASE("session: a ScriptRunner-dialect step runs CloudStack-style procedures") {
  const std::string db = test::TestServer::Shared().FreshDatabase("script_runner");
  auto options = FixtureOptions(db, "script_runner");
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  // CALL sr_add(7) and the two-line INSERT ran; the last line, without a
  // ';', was never sent (as ScriptRunner does).
  CHECK(Rows(db, "SELECT v FROM sr_log ORDER BY v") == std::vector<std::vector<std::string>>{{"7"}, {"8"}});
  auto rows = RowsOf(options, "sr.procedure");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == StepStatus::kSuccess);
  CHECK(rows[0].statement_count == 4);
  CHECK(rows[0].statement_index == 4);
}

TEST_CASE("session: warnings are collected, and fatal when the step says so") {
  const std::string db = test::TestServer::Shared().FreshDatabase("warnings");
  auto options = FixtureOptions(db, "warnings");
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kStepFailed);
  CHECK(result.status().message().find("warnings.fatal") != std::string::npos);
  CHECK(result.status().message().find("warnings fatal") != std::string::npos);
  CHECK(result.status().message().find("statement 2 of 2") != std::string::npos);

  auto collected = RowsOf(options, "warnings.collected");
  REQUIRE(collected.size() == 1);
  CHECK(collected[0].status == StepStatus::kSuccess);
  CHECK(collected[0].warning_count == 2);
  CHECK(collected[0].warnings.find("statement 1: Warning 1264") != std::string::npos);
  CHECK(collected[0].warnings.find("statement 3: Warning 1264") != std::string::npos);

  auto fatal = RowsOf(options, "warnings.fatal");
  REQUIRE(fatal.size() == 1);
  CHECK(fatal[0].status == StepStatus::kFailed);
  CHECK(fatal[0].warning_count == 1);
  CHECK(fatal[0].error.find("1264") != std::string::npos);
  // The fatal step ran in a transaction: its first INSERT is gone too.
  CHECK(Rows(db, "SELECT v FROM wt ORDER BY v") == std::vector<std::vector<std::string>>{{"-128"}, {"5"}, {"127"}});
}

TEST_CASE("session: DML between DDL runs in groups; a failure rolls the group back and resumes at its start") {
  const std::string db = test::TestServer::Shared().FreshDatabase("grouped");
  auto options = FixtureOptions(db, "grouped");
  auto first = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(first.ok());
  CHECK(first.status().message().find("failed at statement 4 of 6") != std::string::npos);
  auto rows = RowsOf(options, "grouped.step");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == StepStatus::kFailed);
  // The group (statements 2-4) was rolled back: the index points at its
  // first statement, and its rows are gone.
  CHECK(rows[0].statement_index == 1);
  CHECK(Scalar(db, "SELECT COUNT(*) FROM g") == "0");

  auto conn = test::TestServer::Shared().Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE g_needed (id INT)").ok());
  auto second = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  // Every INSERT counted exactly once.
  CHECK(Rows(db, "SELECT id FROM g ORDER BY id") == std::vector<std::vector<std::string>>{{"1"}, {"2"}, {"3"}});
  CHECK(Scalar(db, "SELECT COUNT(*) FROM g_needed") == "1");
  rows = RowsOf(options, "grouped.step");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].status == StepStatus::kSuccess);
  CHECK(rows[1].statement_index == 6);
}

TEST_CASE("session: a resumed step replays the session state of the statements it skips") {
  const std::string db = test::TestServer::Shared().FreshDatabase("resume_session");
  auto options = FixtureOptions(db, "resume_session");
  auto first = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(first.ok());
  auto rows = RowsOf(options, "resume.step");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].statement_index == 3);
  auto conn = test::TestServer::Shared().Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE rs_needed (id INT)").ok());
  auto second = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  // @tag and NO_BACKSLASH_ESCAPES were set again before statement 4.
  CHECK(Rows(db, "SELECT v FROM rs ORDER BY v") == std::vector<std::vector<std::string>>{{"replayed"}, {"x\\"}});
}

TEST_CASE("session: repeatables run around the path, and again only when their checksum changes") {
  const std::string db = test::TestServer::Shared().FreshDatabase("repeatable");
  auto v1 = FixtureOptions(db, "repeatable_v1");
  auto first = Migrate(v1, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  // The only edge is a base edge: it runs before the before-repeatable.
  CHECK(Rows(db, "SELECT what FROM rep_log ORDER BY seq") ==
        std::vector<std::vector<std::string>>{{"edge"}, {"before"}, {"after"}});
  CHECK(Scalar(db, "SELECT version FROM rv") == "1");
  auto before = RowsOf(v1, "rep.before");
  REQUIRE(before.size() == 1);
  CHECK(before[0].edge_from.empty());
  CHECK(before[0].edge_to.empty());
  CHECK(before[0].phase == Phase::kExpand);
  CHECK(before[0].kind == StepKind::kSql);

  // Unchanged: nothing to do.
  auto plan = MakeMigrationPlan(v1, PlanRequest{});
  REQUIRE_MESSAGE(plan.ok(), plan.status().ToString());
  CHECK(plan->plan.empty());
  auto again = Migrate(v1, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(again->summary.steps_run == 0);

  // v2 changes the view: only it runs, and that is not a checksum error.
  auto v2 = FixtureOptions(db, "repeatable_v2");
  auto changed = Migrate(v2, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(changed.ok(), changed.status().ToString());
  CHECK(changed->summary.steps_run == 1);
  CHECK(Scalar(db, "SELECT version FROM rv") == "2");
  CHECK(Rows(db, "SELECT what FROM rep_log ORDER BY seq") ==
        std::vector<std::vector<std::string>>{{"edge"}, {"before"}, {"after"}, {"after"}});
  CHECK(RowsOf(v2, "rep.view").size() == 2);
  CHECK(RowsOf(v2, "rep.before").size() == 1);
}

}  // namespace
}  // namespace chimp
