#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "chimp/changelog.hpp"
#include "chimp/engine.hpp"

namespace chimp {
namespace {

ChangelogEntry Row(int64_t id, const char* step, StepStatus status) {
  ChangelogEntry e;
  e.id = id;
  e.step_id = step;
  e.status = status;
  return e;
}

TEST_CASE("changelog history: latest attempt per step, success rows and failed attempts") {
  const std::vector<ChangelogEntry> rows = {Row(1, "b", StepStatus::kFailed), Row(2, "a", StepStatus::kSuccess),
                                            Row(3, "b", StepStatus::kRunning), Row(4, "b", StepStatus::kSuccess),
                                            Row(5, "c", StepStatus::kFailed)};
  const ChangelogHistory history(rows);
  REQUIRE(history.Find("b") != nullptr);
  CHECK(history.Find("b")->last->id == 4);
  CHECK(history.Find("b")->applied->id == 4);
  CHECK(history.Find("b")->unsuccessful == 2);
  CHECK(history.Find("c")->applied == nullptr);
  CHECK(history.Find("missing") == nullptr);
  CHECK(history.IsApplied("a"));
  CHECK_FALSE(history.IsApplied("c"));
  CHECK_FALSE(history.IsApplied("missing"));
}

TEST_CASE("changelog history: rows a restore rolled back are left out (issue 12.6)") {
  // "a" applied before the backup, re-run after it; "b" only after it.
  const std::vector<ChangelogEntry> rows = {Row(1, "a", StepStatus::kSuccess), Row(2, "a", StepStatus::kRolledBack),
                                            Row(3, "b", StepStatus::kRolledBack)};
  const ChangelogHistory history(rows);
  REQUIRE(history.Find("a") != nullptr);
  CHECK(history.Find("a")->last->id == 1);
  CHECK(history.Find("a")->unsuccessful == 0);
  CHECK(history.IsApplied("a"));
  CHECK(history.Find("b") == nullptr);
  CHECK_FALSE(history.IsApplied("b"));
  CHECK(std::string(StepStatusName(StepStatus::kRolledBack)) == "rolled_back");
}

TEST_CASE("changelog history: by id in step id order, latest rows in first-seen order") {
  const std::vector<ChangelogEntry> rows = {Row(1, "z", StepStatus::kFailed), Row(2, "a", StepStatus::kSuccess),
                                            Row(3, "z", StepStatus::kFailed), Row(4, "m", StepStatus::kRunning)};
  const ChangelogHistory history(rows);
  std::vector<std::string> ids;
  for (const auto& [id, h] : history.by_id()) ids.push_back(id);
  CHECK(ids == std::vector<std::string>{"a", "m", "z"});
  std::vector<int64_t> latest;
  for (const ChangelogEntry* e : history.LatestInOrder()) latest.push_back(e->id);
  CHECK(latest == std::vector<int64_t>{3, 2, 4});
}

TEST_CASE("changelog: MakeEntry fills a running row from the step and its plugin") {
  auto info = std::make_shared<PluginInfo>();
  info->name = "app";
  info->version = "1.2";
  info->file = "/plugins/app.so";
  Edge edge;
  edge.from = Version::Parse("1.0", "test").value();
  edge.to = Version::Parse("2.0", "test").value();
  edge.plugin = info;
  Step step;
  step.id = "app.2.0.add";
  step.phase = Phase::kCleanup;
  step.kind = StepKind::kNative;
  step.checksum = "rev:3";
  step.description = "adds";
  step.proposed_at = "2026-01-01";
  const ChangelogEntry e = MakeEntry(edge, step, "run-1");
  CHECK(e.run_id == "run-1");
  CHECK(e.step_id == "app.2.0.add");
  CHECK(e.edge_from == "1.0");
  CHECK(e.edge_to == "2.0");
  CHECK(e.phase == Phase::kCleanup);
  CHECK(e.kind == StepKind::kNative);
  CHECK(e.checksum == "rev:3");
  CHECK(e.plugin_name == "app");
  CHECK(e.plugin_version == "1.2");
  CHECK(e.plugin_file == "/plugins/app.so");
  CHECK(e.description == "adds");
  CHECK(e.proposed_at == "2026-01-01");
  CHECK(e.status == StepStatus::kRunning);
  CHECK(e.statement_index == 0);
  CHECK(e.statement_count == 0);
  CHECK(e.pending_fingerprint.empty());
  CHECK(e.engine_version == std::string(EngineVersion()));
}

TEST_CASE("changelog: repair kinds print as chimp_repairs stores them") {
  CHECK(std::string(RepairKindName(RepairKind::kChecksum)) == "checksum");
  CHECK(std::string(RepairKindName(RepairKind::kMarkApplied)) == "mark-applied");
  CHECK(std::string(RepairKindName(RepairKind::kMarkRolledBack)) == "mark-rolled-back");
  CHECK(std::string(RepairKindName(RepairKind::kStatementDone)) == "statement-done");
  CHECK(std::string(RepairKindName(RepairKind::kStatementNotDone)) == "statement-not-done");
  CHECK(std::string(RepairKindName(RepairKind::kBaseline)) == "baseline");
}

}  // namespace
}  // namespace chimp
