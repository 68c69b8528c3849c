// End-to-end: the sample application migrated on a real MariaDB through the
// engine facade, and the changelog it leaves.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::CurrentVersion;
using test::SampleOptions;
using test::V;

// Table name -> column names, for comparing schemas reached by two routes.
std::map<std::string, std::string> SchemaOf(const std::string& database) {
  auto conn = test::TestServer::Shared().Connect();
  const Value params[] = {Value::Text(database)};
  auto result = conn->Query(
      "SELECT TABLE_NAME, GROUP_CONCAT(CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE) "
      "ORDER BY ORDINAL_POSITION SEPARATOR ', ') FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME ORDER BY TABLE_NAME",
      params);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  std::map<std::string, std::string> schema;
  for (const Row& row : result->rows) schema[row[0].ToString()] = row[1].ToString();
  auto indexes = conn->Query(
      "SELECT TABLE_NAME, GROUP_CONCAT(DISTINCT INDEX_NAME ORDER BY INDEX_NAME) FROM "
      "information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME",
      params);
  REQUIRE(indexes.ok());
  for (const Row& row : indexes->rows) schema[row[0].ToString() + " indexes"] = row[1].ToString();
  return schema;
}

void RequireEveryStepOnce(const EngineOptions& options) {
  auto log = ReadLog(options);
  REQUIRE(log.ok());
  std::map<std::string, int> successes;
  for (const ChangelogEntry& e : *log) {
    if (e.status == StepStatus::kSuccess) ++successes[e.step_id];
    CHECK(e.run_id.size() == 36);
    CHECK_FALSE(e.started_at.empty());
    CHECK_FALSE(e.executed_by.empty());
    CHECK(e.engine_version == EngineVersion());
  }
  for (const auto& [id, n] : successes) CHECK_MESSAGE(n == 1, id);
}

TEST_CASE("migrate: the sample application from empty to 2.0.0, then a re-run is a no-op") {
  auto options = SampleOptions(test::TestServer::Shared().FreshDatabase("sample_full"));
  auto first = Migrate(options, PlanRequest{V("2.0.0")}, nullptr);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->summary.reached == V("2.0.0"));
  CHECK(first->summary.steps_run > 0);
  CHECK(CurrentVersion(options) == V("2.0.0"));

  auto log = ReadLog(options);
  REQUIRE(log.ok());
  CHECK(static_cast<int32_t>(log->size()) == first->summary.steps_run);
  for (const ChangelogEntry& e : *log) {
    CHECK(e.status == StepStatus::kSuccess);
    CHECK(e.duration_ms >= 0);
    CHECK_FALSE(e.finished_at.empty());
    CHECK(e.statement_index == e.statement_count);
  }
  RequireEveryStepOnce(options);

  auto again = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(again->summary.steps_run == 0);
  CHECK(ReadLog(options)->size() == log->size());
}

TEST_CASE("migrate: the hotfix route and the direct route reach the same 2.0.0 schema") {
  auto direct = SampleOptions(test::TestServer::Shared().FreshDatabase("sample_direct"));
  REQUIRE(Migrate(direct, PlanRequest{V("2.0.0")}, nullptr).ok());

  auto hotfix = SampleOptions(test::TestServer::Shared().FreshDatabase("sample_hotfix"));
  auto to_hotfix = Migrate(hotfix, PlanRequest{V("1.1.1")}, nullptr);
  REQUIRE_MESSAGE(to_hotfix.ok(), to_hotfix.status().ToString());
  CHECK(CurrentVersion(hotfix) == V("1.1.1"));
  auto to_two = Migrate(hotfix, PlanRequest{V("2.0.0")}, nullptr);
  REQUIRE_MESSAGE(to_two.ok(), to_two.status().ToString());
  CHECK(CurrentVersion(hotfix) == V("2.0.0"));
  // The hotfix route walked 1.1.1 -> 2.0.0, not 1.1.0 -> 2.0.0.
  REQUIRE(to_two->plan.path.size() == 1);
  CHECK_MESSAGE(to_two->plan.path[0]->from == V("1.1.1"), to_two->plan.path[0]->Name());
  RequireEveryStepOnce(hotfix);

  CHECK(SchemaOf(direct.database) == SchemaOf(hotfix.database));
}

TEST_CASE("migrate: cleanup steps wait for --phase cleanup") {
  auto options = SampleOptions(test::TestServer::Shared().FreshDatabase("sample_cleanup"));
  REQUIRE(Migrate(options, PlanRequest{V("2.0.0")}, nullptr).ok());
  auto status = GetStatus(options);
  REQUIRE(status.ok());
  CHECK(status->pending_cleanup > 0);
  const int32_t pending = status->pending_cleanup;

  auto cleanup = Migrate(options, PlanRequest{std::nullopt, Phase::kCleanup}, nullptr);
  REQUIRE_MESSAGE(cleanup.ok(), cleanup.status().ToString());
  CHECK(cleanup->summary.steps_run == pending);
  CHECK(GetStatus(options)->pending_cleanup == 0);
  auto log = ReadLog(options);
  int cleanup_rows = 0;
  for (const ChangelogEntry& e : *log) cleanup_rows += e.phase == Phase::kCleanup ? 1 : 0;
  CHECK(cleanup_rows == pending);
}

TEST_CASE("migrate: dry-run planning touches nothing") {
  auto options = SampleOptions(test::TestServer::Shared().FreshDatabase("sample_plan"));
  auto report = MakeMigrationPlan(options, PlanRequest{});
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->plan.target == V("2.0.0"));
  CHECK_FALSE(report->plan.steps.empty());
  auto conn = test::TestServer::Shared().Connect();
  const Value params[] = {Value::Text(options.database), Value::Text(options.changelog_schema)};
  auto count =
      conn->QueryScalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)", params);
  REQUIRE(count.ok());
  CHECK((*count)->ToString() == "0");
}

TEST_CASE("migrate: a missing target database is a usage error") {
  auto options = SampleOptions("x");
  options.database.clear();
  auto result = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chimp
