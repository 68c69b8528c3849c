// chimp validate and chimp repair through the engine facade: checksum
// mismatches, steps no plugin provides, and failed steps resolved by hand.
#include <doctest/doctest.h>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::Exec;
using test::FreshFixtureOptions;
using test::FreshSampleOptions;

std::string Table(const EngineOptions& o, const char* table) {
  return Connection::QuoteIdentifier(o.changelog_schema) + "." + table;
}

const ChangelogEntry* FirstSuccess(const std::vector<ChangelogEntry>& log) {
  for (const ChangelogEntry& e : log) {
    if (e.status == StepStatus::kSuccess && !IsEngineRow(e)) return &e;
  }
  return nullptr;
}

auto Yes = [](const std::vector<RepairAction>&) { return true; };
auto No = [](const std::vector<RepairAction>&) { return false; };

TEST_CASE("validate: a clean changelog validates, with every applied step counted") {
  auto options = FreshSampleOptions("val_clean");
  REQUIRE(Migrate(options, PlanRequest{}, nullptr).ok());
  auto report = ValidateChangelog(options);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->ok());
  CHECK(report->applied == static_cast<int32_t>(ReadLog(options)->size()));
  CHECK(report->mismatches.empty());
  CHECK(report->missing.empty());
  CHECK(report->unfinished.empty());
}

TEST_CASE("validate: a changed applied step is named with its plugin file and both checksums; repair re-records") {
  auto options = FreshSampleOptions("val_mismatch");
  REQUIRE(Migrate(options, PlanRequest{}, nullptr).ok());
  auto log = ReadLog(options);
  const ChangelogEntry* applied = FirstSuccess(*log);
  REQUIRE(applied != nullptr);
  const std::string installed = applied->checksum;
  const std::string recorded = "sha256:" + std::string(64, '0');
  // What the changelog would hold had the plugin's SQL changed since.
  Exec("UPDATE " + Table(options, "chimp_changelog") + " SET checksum = '" + recorded +
       "' WHERE id = " + std::to_string(applied->id));

  auto report = ValidateChangelog(options);
  REQUIRE(report.ok());
  CHECK_FALSE(report->ok());
  REQUIRE(report->mismatches.size() == 1);
  const ChecksumMismatch& m = report->mismatches[0];
  CHECK(m.step_id == applied->step_id);
  CHECK(m.installed_checksum == installed);
  CHECK(m.applied_checksum == recorded);
  CHECK(m.plugin_file == applied->plugin_file);
  CHECK(m.changelog_id == applied->id);

  // migrate refuses as well.
  auto plan = MakeMigrationPlan(options, PlanRequest{});
  CHECK(plan.status().code() == StatusCode::kFailedPrecondition);

  // Not confirmed: nothing changes, nothing is recorded.
  RepairRequest request;
  request.checksums = true;
  auto declined = Repair(options, request, No);
  REQUIRE_MESSAGE(declined.ok(), declined.status().ToString());
  CHECK_FALSE(declined->applied);
  REQUIRE(declined->actions.size() == 1);
  CHECK(declined->actions[0].action == RepairKind::kChecksum);
  CHECK(ValidateChangelog(options)->mismatches.size() == 1);
  CHECK(ReadRepairs(options)->empty());

  auto repaired = Repair(options, request, Yes);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->applied);
  CHECK(ValidateChangelog(options)->ok());
  CHECK(MakeMigrationPlan(options, PlanRequest{}).ok());
  auto repairs = ReadRepairs(options);
  REQUIRE(repairs->size() == 1);
  CHECK((*repairs)[0].action == "checksum");
  CHECK((*repairs)[0].step_id == applied->step_id);
  CHECK((*repairs)[0].old_value == recorded);
  CHECK((*repairs)[0].new_value == installed);
  CHECK((*repairs)[0].changelog_id == applied->id);
  CHECK_FALSE((*repairs)[0].executed_by.empty());

  // Nothing left to do: no confirmation asked, nothing recorded.
  bool asked = false;
  auto again = Repair(options, request, [&](const std::vector<RepairAction>&) { return asked = true; });
  REQUIRE(again.ok());
  CHECK_FALSE(asked);
  CHECK(again->actions.empty());
  CHECK(ReadRepairs(options)->size() == 1);
}

TEST_CASE("validate: an applied step no plugin provides is a warning, not an error") {
  auto options = FreshSampleOptions("val_missing");
  REQUIRE(Migrate(options, PlanRequest{}, nullptr).ok());
  Exec("INSERT INTO " + Table(options, "chimp_changelog") +
       " (target, run_id, step_id, edge_from, edge_to, phase, kind, checksum, plugin_name, plugin_version, "
       "plugin_file, description, proposed_at, started_at, status, executed_by, engine_version) VALUES ('" +
       options.database +
       "', 'r', 'retired.step', '0.9.0', '1.0.0', 'expand', 'sql', 'sha256:x', 'old', '1', "
       "'/old/retired.so', '', '', NOW(6), 'success', 'me', 'x')");
  auto report = ValidateChangelog(options);
  REQUIRE(report.ok());
  CHECK(report->ok());
  REQUIRE(report->missing.size() == 1);
  CHECK(report->missing[0].step_id == "retired.step");
  CHECK(report->missing[0].plugin_file == "/old/retired.so");
}

TEST_CASE("repair: --mark-rolled-back makes the next migrate start the failed step from statement 1") {
  auto options = FreshFixtureOptions("rep_rollback", "fails_until_fixed");
  auto first = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE(first.status().code() == StatusCode::kStepFailed);
  auto report = ValidateChangelog(options);
  REQUIRE(report.ok());
  REQUIRE(report->unfinished.size() == 1);
  CHECK(report->unfinished[0].step_id == "fails_until_fixed.ddl");

  // The operator undoes the two statements that took effect.
  Exec("DROP TABLE " + Connection::QuoteIdentifier(options.database) + ".fuf_a");
  Exec("DROP TABLE " + Connection::QuoteIdentifier(options.database) + ".fuf_b");
  RepairRequest request;
  request.mark_rolled_back = {"fails_until_fixed.ddl"};
  auto repaired = Repair(options, request, Yes);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->applied);

  auto plan = MakeMigrationPlan(options, PlanRequest{});
  REQUIRE(plan.ok());
  REQUIRE_FALSE(plan->plan.steps.empty());
  CHECK(plan->plan.steps[0].step->id == "fails_until_fixed.ddl");
  CHECK(plan->plan.steps[0].resume_from == 0);

  Exec("CREATE TABLE " + Connection::QuoteIdentifier(options.database) + ".needed_by_ddl (id INT)");
  Exec("CREATE TABLE " + Connection::QuoteIdentifier(options.database) + ".needed_by_dml (id INT)");
  auto second = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  // History stays: the failed attempt, the operator's rollback row, the success.
  int rows = 0;
  auto log = ReadLog(options);
  REQUIRE(log.ok());
  for (const ChangelogEntry& e : *log) rows += e.step_id == "fails_until_fixed.ddl" ? 1 : 0;
  CHECK(rows == 3);
  auto repairs = ReadRepairs(options);
  REQUIRE(repairs->size() == 1);
  CHECK((*repairs)[0].action == "mark-rolled-back");
}

TEST_CASE("repair: --mark-applied records a step the operator completed by hand") {
  auto options = FreshFixtureOptions("rep_applied", "fails_until_fixed");
  REQUIRE(Migrate(options, PlanRequest{}, nullptr).status().code() == StatusCode::kStepFailed);
  RepairRequest request;
  request.mark_applied = {"fails_until_fixed.ddl"};
  auto repaired = Repair(options, request, Yes);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->applied);
  auto plan = MakeMigrationPlan(options, PlanRequest{});
  REQUIRE(plan.ok());
  for (const PlannedStep& ps : plan->plan.steps) CHECK(ps.step->id != "fails_until_fixed.ddl");
  auto report = ValidateChangelog(options);
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->unfinished.empty());

  // Already applied now: a second --mark-applied is refused.
  auto twice = Repair(options, request, Yes);
  CHECK(twice.status().code() == StatusCode::kFailedPrecondition);
  CHECK(twice.status().message().find("already applied") != std::string::npos);
}

TEST_CASE("repair: unknown steps, pending steps and empty requests are refused") {
  auto options = FreshFixtureOptions("rep_refuse", "fails_until_fixed");
  REQUIRE(Migrate(options, PlanRequest{}, nullptr).status().code() == StatusCode::kStepFailed);
  RepairRequest unknown;
  unknown.mark_applied = {"no.such.step"};
  auto r1 = Repair(options, unknown, Yes);
  CHECK(r1.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r1.status().message().find("'no.such.step' is not provided by any installed plugin") != std::string::npos);

  RepairRequest pending;
  pending.mark_rolled_back = {"fails_until_fixed.dml"};
  auto r2 = Repair(options, pending, Yes);
  CHECK(r2.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r2.status().message().find("no failed or interrupted attempt") != std::string::npos);

  auto r3 = Repair(options, RepairRequest{}, Yes);
  CHECK(r3.status().code() == StatusCode::kInvalidArgument);
  CHECK(ReadRepairs(options)->empty());
}

}  // namespace
}  // namespace chimp
