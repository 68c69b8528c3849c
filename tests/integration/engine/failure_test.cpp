// What a failed step leaves behind, how `migrate` resumes once the cause is
// fixed, and how a second run waits for the lock.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::FixtureOptions;
using test::RowsOf;
using test::Scalar;

TEST_CASE("failure: a DDL step records where it failed and resumes there once fixed") {
  const std::string db = test::TestServer::Shared().FreshDatabase("fail_ddl");
  auto options = FixtureOptions(db, "fails_until_fixed");

  auto first = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(first.ok());
  CHECK(first.status().code() == StatusCode::kStepFailed);
  const std::string& message = first.status().message();
  CHECK(message.find("step 'fails_until_fixed.ddl'") != std::string::npos);
  CHECK(message.find("failed at statement 3 of 4") != std::string::npos);
  CHECK(message.find("INSERT INTO needed_by_ddl VALUES (1)") != std::string::npos);
  CHECK(message.find("1146") != std::string::npos);  // ER_NO_SUCH_TABLE

  auto rows = RowsOf(options, "fails_until_fixed.ddl");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == StepStatus::kFailed);
  CHECK(rows[0].statement_index == 2);
  CHECK(rows[0].statement_count == 4);
  CHECK(rows[0].error.find("needed_by_ddl") != std::string::npos);
  CHECK_FALSE(rows[0].finished_at.empty());
  // The two statements before the failure took effect (DDL commits).
  CHECK(Scalar(db,
               "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
               "AND TABLE_NAME IN ('fuf_a', 'fuf_b', 'fuf_c')") == "2");
  auto status = GetStatus(options);
  REQUIRE(status.ok());
  CHECK(status->state.version == Version::Empty());
  REQUIRE(status->failed.size() == 1);
  CHECK(status->failed[0].step_id == "fails_until_fixed.ddl");

  // The operator fixes the cause. The resumed step starts at statement 3:
  // re-running statement 1 would fail with "table fuf_a already exists".
  auto conn = test::TestServer::Shared().Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE needed_by_ddl (id INT)").ok());
  auto plan = MakeMigrationPlan(options, PlanRequest{});
  REQUIRE(plan.ok());
  REQUIRE_FALSE(plan->plan.steps.empty());
  CHECK(plan->plan.steps[0].resume_from == 2);
  CHECK(plan->plan.steps[0].previous_attempts == 1);

  auto second = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(second.ok());  // now the DML step fails
  rows = RowsOf(options, "fails_until_fixed.ddl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].status == StepStatus::kFailed);  // history stays
  CHECK(rows[1].status == StepStatus::kSuccess);
  CHECK(rows[1].statement_index == 4);
  CHECK(Scalar(db, "SELECT COUNT(*) FROM needed_by_ddl") == "1");
}

TEST_CASE("failure: a step without DDL rolls back entirely and records the failure") {
  const std::string db = test::TestServer::Shared().FreshDatabase("fail_dml");
  auto options = FixtureOptions(db, "fails_until_fixed");
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(db)).ok());
  REQUIRE(conn->Execute("CREATE TABLE " + Connection::QuoteIdentifier(db) + ".needed_by_ddl (id INT)").ok());
  // A table before the first migrate: chimp init adopts the database as
  // empty (else migrate refuses it as another tool's, issue 12.7).
  REQUIRE(InitChangelog(options).ok());

  auto first = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(first.ok());
  CHECK(first.status().code() == StatusCode::kStepFailed);
  CHECK(first.status().message().find("step 'fails_until_fixed.dml'") != std::string::npos);
  CHECK(first.status().message().find("failed at statement 2 of 2") != std::string::npos);
  // The first insert was rolled back with the rest of the step.
  CHECK(Scalar(db, "SELECT COUNT(*) FROM fuf_a") == "0");
  auto rows = RowsOf(options, "fails_until_fixed.dml");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == StepStatus::kFailed);
  CHECK(rows[0].statement_index == 0);
  CHECK(rows[0].error.find("needed_by_dml") != std::string::npos);

  REQUIRE(conn->Execute("CREATE TABLE " + Connection::QuoteIdentifier(db) + ".needed_by_dml (id INT)").ok());
  auto second = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  CHECK(second->summary.reached == Version::Parse("1.0.0", "test").value());
  CHECK(Scalar(db, "SELECT COUNT(*) FROM fuf_a") == "1");
  rows = RowsOf(options, "fails_until_fixed.dml");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].status == StepStatus::kSuccess);
  CHECK(rows[1].statement_index == 2);
}

TEST_CASE("failure: a native step that throws leaves a failed row with its text") {
  const std::string db = test::TestServer::Shared().FreshDatabase("fail_native");
  auto options = FixtureOptions(db, "throws_in_step");
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kStepFailed);
  auto rows = RowsOf(options, "throws_in_step.boom");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == StepStatus::kFailed);
  CHECK(rows[0].error.find("boom: thrown by the throws_in_step fixture") != std::string::npos);
}

TEST_CASE("failure: a second migrate waits for the lock, is told who holds it, then runs") {
  const std::string db = test::TestServer::Shared().FreshDatabase("lock_wait");
  auto options = FixtureOptions(db, "good");
  options.lock_timeout = std::chrono::seconds(30);

  auto holder = test::TestServer::Shared().Connect();
  const Value params[] = {Value::Text(LockNameFor(db))};
  auto got = holder->QueryScalar("SELECT GET_LOCK(?, 0)", params);
  REQUIRE(got.ok());
  REQUIRE((*got)->ToString() == "1");
  const uint64_t holder_id = holder->ThreadId();

  std::atomic<bool> told{false};
  uint64_t told_id = 0;
  std::thread release([&] {
    while (!told.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    holder.reset();  // closing the session releases the lock
  });
  auto result = Migrate(options, PlanRequest{}, nullptr, [&](const LockHolder& who) {
    told_id = who.connection_id;
    told = true;
  });
  release.join();
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(told_id == holder_id);
  CHECK(result->summary.steps_run > 0);
}

}  // namespace
}  // namespace chimp
