#include "chimp/planner.hpp"

#include <doctest/doctest.h>

#include <initializer_list>

namespace chimp {
namespace {

Version V(const char* text) { return Version::Parse(text, "test", true).value(); }

struct StepSpec {
  const char* id;
  Phase phase = Phase::kExpand;
  bool ddl = false;
  bool idempotent = false;
};

// A catalog of one plugin whose edges are given as (from, to, steps).
struct EdgeSpec {
  const char* from;
  const char* to;
  std::vector<StepSpec> steps;
};

std::unique_ptr<Catalog> MakeCatalog(std::initializer_list<EdgeSpec> specs) {
  auto info = std::make_shared<PluginInfo>();
  info->file = "/plugins/app.so";
  info->name = "app";
  LoadedPlugin plugin;
  plugin.info = info;
  for (const EdgeSpec& spec : specs) {
    Edge edge;
    edge.from = V(spec.from);
    edge.to = V(spec.to);
    edge.plugin = info;
    for (const StepSpec& s : spec.steps) {
      Step step;
      step.id = s.id;
      step.phase = s.phase;
      step.has_ddl = s.ddl;
      step.idempotent = s.idempotent;
      step.sql = "SELECT 1";
      step.checksum = std::string("sha256:") + s.id;
      edge.steps.push_back(step);
    }
    plugin.edges.push_back(std::move(edge));
  }
  std::vector<LoadedPlugin> plugins;
  plugins.push_back(std::move(plugin));
  return Catalog::Build(std::move(plugins)).value();
}

ChangelogEntry Row(const char* step, StepStatus status, int32_t index = 0, std::string checksum = "") {
  ChangelogEntry e;
  e.step_id = step;
  e.status = status;
  e.statement_index = index;
  e.checksum = checksum.empty() ? std::string("sha256:") + step : checksum;
  e.run_id = "r1";
  e.plugin_file = "/plugins/app.so";
  return e;
}

ChangelogState At(const char* version) {
  ChangelogState s;
  s.initialized = true;
  s.version = V(version);
  return s;
}

std::vector<std::string> Ids(const Plan& plan) {
  std::vector<std::string> ids;
  for (const PlannedStep& s : plan.steps) ids.push_back(s.step->id);
  return ids;
}

// The sample application's shape: a base edge, a main line and a hotfix.
std::unique_ptr<Catalog> Sample() {
  return MakeCatalog({
      {"", "1.0.0", {{"base.a"}, {"base.b"}}},
      {"1.0.0", "1.1.0", {{"m11.a"}}},
      {"1.1.0", "2.0.0", {{"m20.a"}, {"m20.b"}, {"m20.cleanup", Phase::kCleanup}}},
      {"1.1.0", "1.1.1", {{"hf.a"}}},
      {"1.1.1", "2.0.0", {{"m20h.a"}, {"m20h.b"}, {"m20h.c"}}},
  });
}

TEST_CASE("planner: a fresh database goes to the newest version by the shortest path") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, ChangelogState{}, {}, PlanRequest{}).value();
  CHECK(plan.current == Version::Empty());
  CHECK(plan.target == V("2.0.0"));
  CHECK(Ids(plan) == std::vector<std::string>{"base.a", "base.b", "m11.a", "m20.a", "m20.b"});
  CHECK(plan.path.size() == 3);
}

TEST_CASE("planner: an explicit target takes the hotfix branch") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, ChangelogState{}, {}, PlanRequest{V("1.1.1")}).value();
  CHECK(Ids(plan) == std::vector<std::string>{"base.a", "base.b", "m11.a", "hf.a"});
  auto next = MakePlan(*catalog, At("1.1.1"), {}, PlanRequest{V("2.0")}).value();
  CHECK(Ids(next) == std::vector<std::string>{"m20h.a", "m20h.b", "m20h.c"});
}

TEST_CASE("planner: nothing to do at the target") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, At("2.0.0"), {}, PlanRequest{}).value();
  CHECK(plan.empty());
}

TEST_CASE("planner: a downgrade is a plan error") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, At("2.0.0"), {}, PlanRequest{V("1.0.0")});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().code() == StatusCode::kPlanError);
  CHECK(plan.status().message().find("2.0.0") != std::string::npos);
}

TEST_CASE("planner: applied steps are skipped and a failed DDL step resumes at its index") {
  auto catalog = MakeCatalog({{"", "1.0", {{"a", Phase::kExpand, true}, {"b", Phase::kExpand, true}}}});
  std::vector<ChangelogEntry> log = {Row("a", StepStatus::kSuccess), Row("b", StepStatus::kFailed, 3)};
  auto plan = MakePlan(*catalog, At(""), log, PlanRequest{}).value();
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].step->id == "b");
  CHECK(plan.steps[0].resume_from == 3);
  CHECK(plan.steps[0].previous_attempts == 1);
  CHECK(plan.notes.size() == 1);
}

TEST_CASE("planner: an interrupted DDL step carries its statement in doubt, even at statement 0") {
  auto catalog = MakeCatalog({{"", "1.0", {{"a", Phase::kExpand, true}}}});
  ChangelogEntry last = Row("a", StepStatus::kFailed, 0);
  last.pending_fingerprint = "sha256:abc";
  auto plan = MakePlan(*catalog, At(""), {last}, PlanRequest{}).value();
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].resume_from == 0);
  CHECK(plan.steps[0].pending_fingerprint == "sha256:abc");
}

TEST_CASE("planner: an IDEMPOTENT DDL step starts over instead of resuming") {
  auto catalog = MakeCatalog({{"", "1.0", {{"a", Phase::kExpand, true, true}}}});
  ChangelogEntry last = Row("a", StepStatus::kFailed, 3);
  last.pending_fingerprint = "unknown";
  auto plan = MakePlan(*catalog, At(""), {last}, PlanRequest{}).value();
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].resume_from == 0);
  CHECK(plan.steps[0].pending_fingerprint.empty());
}

TEST_CASE("planner: a failed transactional step starts over") {
  auto catalog = MakeCatalog({{"", "1.0", {{"a"}}}});
  auto plan = MakePlan(*catalog, At(""), {Row("a", StepStatus::kFailed, 2)}, PlanRequest{}).value();
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].resume_from == 0);
}

TEST_CASE("planner: an edge in progress is finished even when another path is shorter") {
  auto catalog = Sample();
  // The hotfix route was started: its first step is applied.
  auto plan = MakePlan(*catalog, At("1.1.1"), {Row("m20h.a", StepStatus::kSuccess)}, PlanRequest{}).value();
  CHECK(Ids(plan) == std::vector<std::string>{"m20h.b", "m20h.c"});
  // From 1.1.0, with one step of the direct edge done, the path keeps it.
  auto direct = MakePlan(*catalog, At("1.1.0"), {Row("m20.a", StepStatus::kSuccess)}, PlanRequest{}).value();
  CHECK(Ids(direct) == std::vector<std::string>{"m20.b"});
}

TEST_CASE("planner: an edge whose steps are all applied only records its version") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, At("1.0.0"), {Row("m11.a", StepStatus::kSuccess)}, PlanRequest{V("1.1.0")}).value();
  CHECK(plan.steps.empty());
  REQUIRE(plan.path.size() == 1);
  CHECK(plan.path[0]->to == V("1.1.0"));
  CHECK_FALSE(plan.empty());
}

TEST_CASE("planner: a changed checksum of an applied step refuses to plan") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, At("1.0.0"), {Row("base.a", StepStatus::kSuccess, 0, "sha256:old")}, PlanRequest{});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().code() == StatusCode::kFailedPrecondition);
  CHECK(plan.status().message() ==
        "step 'base.a' of plugin '/plugins/app.so' has checksum sha256:base.a, but the changelog "
        "records sha256:old (applied by run r1 from plugin file '/plugins/app.so'): the installed "
        "plugin changed a step that was already applied");
}

TEST_CASE("planner: the checksum rule lists every mismatch by step id and the applied steps no plugin has") {
  auto catalog = Sample();
  ChangelogEntry engine_row = Row("chimp:baseline", StepStatus::kSuccess);
  const std::vector<ChangelogEntry> rows = {Row("m11.a", StepStatus::kSuccess, 0, "sha256:old11"),
                                            Row("base.a", StepStatus::kSuccess, 0, "sha256:olda"),
                                            Row("base.b", StepStatus::kFailed, 0, "sha256:oldb"),
                                            Row("gone.x", StepStatus::kSuccess),
                                            engine_row,
                                            Row("base.b", StepStatus::kSuccess)};
  const ChangelogHistory history(rows);
  std::vector<ChangelogEntry> missing;
  const std::vector<ChecksumMismatch> mismatches = FindChecksumMismatches(*catalog, history, &missing);
  REQUIRE(mismatches.size() == 2);
  CHECK(mismatches[0].step_id == "base.a");
  const Edge* base = nullptr;
  REQUIRE(catalog->FindStep("base.a", &base) != nullptr);
  CHECK(mismatches[0].edge == base->Name());
  CHECK(mismatches[0].installed_checksum == "sha256:base.a");
  CHECK(mismatches[0].applied_checksum == "sha256:olda");
  CHECK(mismatches[0].plugin_file == "/plugins/app.so");
  CHECK(mismatches[1].step_id == "m11.a");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].step_id == "gone.x");
  CHECK(FindChecksumMismatches(*catalog, history, nullptr).size() == 2);
}

TEST_CASE("planner: cleanup runs the cleanup steps of walked edges only") {
  auto catalog = Sample();
  std::vector<ChangelogEntry> log = {Row("base.a", StepStatus::kSuccess), Row("base.b", StepStatus::kSuccess),
                                     Row("m11.a", StepStatus::kSuccess), Row("m20.a", StepStatus::kSuccess),
                                     Row("m20.b", StepStatus::kSuccess)};
  auto plan = MakePlan(*catalog, At("2.0.0"), log, PlanRequest{std::nullopt, Phase::kCleanup}).value();
  CHECK(Ids(plan) == std::vector<std::string>{"m20.cleanup"});
  log.push_back(Row("m20.cleanup", StepStatus::kSuccess));
  auto again = MakePlan(*catalog, At("2.0.0"), log, PlanRequest{std::nullopt, Phase::kCleanup}).value();
  CHECK(again.steps.empty());
  // Before 2.0.0 is reached there is nothing to clean up.
  auto early = MakePlan(*catalog, At("1.1.0"), {}, PlanRequest{std::nullopt, Phase::kCleanup}).value();
  CHECK(early.steps.empty());
}

TEST_CASE("planner: an unknown current version is a plan error naming it") {
  auto catalog = Sample();
  auto plan = MakePlan(*catalog, At("1.0.5"), {}, PlanRequest{V("2.0.0")});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().message().find("1.0.5") != std::string::npos);
}

}  // namespace
}  // namespace chimp
