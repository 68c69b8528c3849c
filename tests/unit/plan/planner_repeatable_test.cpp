// The planner's rules for repeatable steps (planner.hpp).
#include <doctest/doctest.h>

#include "chimp/planner.hpp"

namespace chimp {
namespace {

Version V(const char* text) { return Version::Parse(text, "test", true).value(); }

Step MakeStep(const char* id, const char* checksum = nullptr, bool ddl = false) {
  Step step;
  step.id = id;
  step.sql = "SELECT 1";
  step.has_ddl = ddl;
  step.checksum = checksum != nullptr ? checksum : std::string("sha256:") + id;
  return step;
}

// One plugin: edges "" -> 1.0.0 -> 1.1.0, a before-repeatable "procs" and an
// after-repeatable "views" (with checksums that can be changed).
std::unique_ptr<Catalog> MakeCatalog(const char* procs_sum = "sha256:procs", const char* views_sum = "sha256:views",
                                     bool views_ddl = false, const char* plugin_version = "") {
  auto info = std::make_shared<PluginInfo>();
  info->file = "/plugins/app.so";
  info->name = "app";
  info->version = plugin_version;
  LoadedPlugin plugin;
  plugin.info = info;
  const char* edges[][3] = {{"", "1.0.0", "e1.a"}, {"1.0.0", "1.1.0", "e2.a"}};
  for (auto& spec : edges) {
    Edge edge;
    edge.from = V(spec[0]);
    edge.to = V(spec[1]);
    edge.plugin = info;
    edge.steps.push_back(MakeStep(spec[2]));
    plugin.edges.push_back(std::move(edge));
  }
  auto pseudo = std::make_shared<Edge>();
  pseudo->plugin = info;
  Repeatable procs{MakeStep("procs", procs_sum), RepeatableWhen::kBefore, info, pseudo};
  Repeatable views{MakeStep("views", views_sum, views_ddl), RepeatableWhen::kAfter, info, pseudo};
  plugin.repeatables.push_back(procs);
  plugin.repeatables.push_back(views);
  std::vector<LoadedPlugin> plugins;
  plugins.push_back(std::move(plugin));
  return Catalog::Build(std::move(plugins)).value();
}

ChangelogEntry Row(const char* step, const char* checksum, StepStatus status = StepStatus::kSuccess,
                   int32_t index = 0) {
  ChangelogEntry e;
  e.step_id = step;
  e.status = status;
  e.checksum = checksum;
  e.statement_index = index;
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

// Everything applied at 1.1.0, with the repeatables' checksums given.
std::vector<ChangelogEntry> AllApplied(const char* procs = "sha256:procs", const char* views = "sha256:views") {
  return {Row("procs", procs), Row("e1.a", "sha256:e1.a"), Row("e2.a", "sha256:e2.a"), Row("views", views)};
}

TEST_CASE("planner: repeatables run before and after a path; a base edge goes before the before-ones") {
  auto catalog = MakeCatalog();
  auto plan = MakePlan(*catalog, ChangelogState{}, {}, PlanRequest{}).value();
  CHECK(Ids(plan) == std::vector<std::string>{"e1.a", "procs", "e2.a", "views"});
  CHECK_FALSE(plan.steps[0].repeatable);
  CHECK(plan.steps[1].repeatable);
  CHECK(plan.steps[1].when == RepeatableWhen::kBefore);
  CHECK(plan.steps[1].reason == "new");
  CHECK_FALSE(plan.steps[2].repeatable);
  // Only the base edge on the path: the before-ones follow it.
  auto base_only = MakePlan(*catalog, ChangelogState{}, {}, PlanRequest{V("1.0.0")}).value();
  CHECK(Ids(base_only) == std::vector<std::string>{"e1.a", "procs", "views"});
  CHECK(plan.steps.back().when == RepeatableWhen::kAfter);
  CHECK(plan.path.size() == 2);
}

TEST_CASE("planner: unchanged repeatables still run around a non-empty path") {
  auto catalog = MakeCatalog();
  std::vector<ChangelogEntry> entries = {Row("procs", "sha256:procs"), Row("e1.a", "sha256:e1.a"),
                                         Row("views", "sha256:views")};
  auto plan = MakePlan(*catalog, At("1.0.0"), entries, PlanRequest{}).value();
  CHECK(Ids(plan) == std::vector<std::string>{"procs", "e2.a", "views"});
  CHECK(plan.steps.front().reason == "unchanged; the path runs");
}

TEST_CASE("planner: with nothing on the path, unchanged repeatables do not run") {
  auto catalog = MakeCatalog();
  auto plan = MakePlan(*catalog, At("1.1.0"), AllApplied(), PlanRequest{}).value();
  CHECK(plan.steps.empty());
  CHECK(plan.empty());
}

TEST_CASE("planner: a changed repeatable runs alone and is not a validation error") {
  auto catalog = MakeCatalog("sha256:procs", "sha256:views-v2");
  auto plan = MakePlan(*catalog, At("1.1.0"), AllApplied(), PlanRequest{});
  REQUIRE_MESSAGE(plan.ok(), plan.status().ToString());
  CHECK(Ids(*plan) == std::vector<std::string>{"views"});
  CHECK(plan->steps[0].reason == "changed");
  CHECK_FALSE(plan->empty());
  // Compared with the last success only: an older success with the new
  // checksum does not count.
  auto entries = AllApplied();
  entries.insert(entries.begin(), Row("views", "sha256:views-v2"));
  CHECK(Ids(MakePlan(*catalog, At("1.1.0"), entries, PlanRequest{}).value()) == std::vector<std::string>{"views"});
  // Reverting to the old text is a change too.
  auto reverted = AllApplied("sha256:procs", "sha256:views-v2");
  auto back = MakePlan(*MakeCatalog(), At("1.1.0"), reverted, PlanRequest{}).value();
  CHECK(Ids(back) == std::vector<std::string>{"views"});
}

TEST_CASE("planner: a changed edge step is still a validation error") {
  auto catalog = MakeCatalog();
  auto entries = AllApplied();
  entries[1].checksum = "sha256:other";
  auto plan = MakePlan(*catalog, At("1.1.0"), entries, PlanRequest{});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("planner: a repeatable that failed runs again; it resumes only with the same checksum") {
  auto entries = AllApplied();
  entries.push_back(Row("views", "sha256:views-v2", StepStatus::kFailed, 3));
  auto same =
      MakePlan(*MakeCatalog("sha256:procs", "sha256:views-v2", true), At("1.1.0"), entries, PlanRequest{}).value();
  REQUIRE(Ids(same) == std::vector<std::string>{"views"});
  CHECK(same.steps[0].resume_from == 3);
  auto changed =
      MakePlan(*MakeCatalog("sha256:procs", "sha256:views-v3", true), At("1.1.0"), entries, PlanRequest{}).value();
  REQUIRE(Ids(changed) == std::vector<std::string>{"views"});
  CHECK(changed.steps[0].resume_from == 0);
}

TEST_CASE("planner: the cleanup phase runs no repeatables") {
  auto catalog = MakeCatalog("sha256:procs-v2", "sha256:views-v2");
  auto plan = MakePlan(*catalog, At("1.1.0"), AllApplied(), PlanRequest{std::nullopt, Phase::kCleanup}).value();
  CHECK(plan.steps.empty());
}

TEST_CASE("planner: a repeatable waits until the plan reaches its plugin's version") {
  // The views describe 1.1.0's tables: a plan that stops at 1.0.0 skips them.
  auto catalog = MakeCatalog("sha256:procs", "sha256:views", false, "1.1.0");
  auto to_1_0 = MakePlan(*catalog, ChangelogState{}, {}, PlanRequest{V("1.0.0")}).value();
  CHECK(Ids(to_1_0) == std::vector<std::string>{"e1.a"});
  auto to_1_1 = MakePlan(*catalog, At("1.0.0"), {Row("e1.a", "sha256:e1.a")}, PlanRequest{V("1.1.0")}).value();
  CHECK(Ids(to_1_1) == std::vector<std::string>{"procs", "e2.a", "views"});
}

}  // namespace
}  // namespace chimp
