#include "chimp/planner.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace chimp {

namespace {

// What the changelog says about one step id.
struct StepHistory {
  const ChangelogEntry* applied = nullptr;  // the success row, if any
  const ChangelogEntry* last = nullptr;     // the latest row
  int32_t unsuccessful = 0;                 // failed or interrupted attempts
};

std::map<std::string, StepHistory, std::less<>> IndexHistory(
    const std::vector<ChangelogEntry>& entries) {
  std::map<std::string, StepHistory, std::less<>> history;
  for (const ChangelogEntry& entry : entries) {  // oldest first
    StepHistory& h = history[entry.step_id];
    h.last = &entry;
    if (entry.status == StepStatus::kSuccess) {
      h.applied = &entry;
    } else {
      ++h.unsuccessful;
    }
  }
  return history;
}

bool IsApplied(const std::map<std::string, StepHistory, std::less<>>& history, std::string_view id) {
  auto it = history.find(id);
  return it != history.end() && it->second.applied != nullptr;
}

Status ValidateChecksums(const Catalog& catalog,
                         const std::map<std::string, StepHistory, std::less<>>& history) {
  for (const auto& [id, h] : history) {
    if (h.applied == nullptr) continue;
    const Edge* edge = nullptr;
    const Step* step = catalog.FindStep(id, &edge);
    if (step == nullptr || step->checksum == h.applied->checksum) continue;
    return Status::FailedPrecondition(
        "step '" + id + "' of plugin '" + edge->plugin->file + "' has checksum " + step->checksum +
        ", but the changelog records " + h.applied->checksum + " (applied by run " + h.applied->run_id +
        " from plugin file '" + h.applied->plugin_file +
        "'): the installed plugin changed a step that was already applied");
  }
  return Status::Ok();
}

// Number of expand steps of `edge` and how many of them are applied.
std::pair<int, int> ExpandProgress(const Edge& edge,
                                   const std::map<std::string, StepHistory, std::less<>>& history) {
  int total = 0;
  int applied = 0;
  for (const Step& step : edge.steps) {
    if (step.phase != Phase::kExpand) continue;
    ++total;
    if (IsApplied(history, step.id)) ++applied;
  }
  return {total, applied};
}

PlannedStep PlanStep(const Edge& edge, const Step& step,
                     const std::map<std::string, StepHistory, std::less<>>& history,
                     std::vector<std::string>* notes) {
  PlannedStep planned;
  planned.edge = &edge;
  planned.step = &step;
  auto it = history.find(step.id);
  if (it == history.end()) return planned;
  const StepHistory& h = it->second;
  planned.previous_attempts = h.unsuccessful;
  // Only a step that runs statement by statement leaves work behind; a
  // transactional step rolled back entirely and starts over.
  // An IDEMPOTENT step (typed operations: guarded SQL relying on session
  // variables set by its first statements) starts over instead.
  if (step.has_ddl && !step.idempotent && h.last != nullptr && h.last->status != StepStatus::kSuccess &&
      (h.last->statement_index > 0 || !h.last->pending_fingerprint.empty())) {
    planned.resume_from = h.last->statement_index;
    planned.pending_fingerprint = h.last->pending_fingerprint;
    notes->push_back("step '" + step.id + "': resuming after statement " +
                     std::to_string(h.last->statement_index) + " (attempt " +
                     std::to_string(h.unsuccessful + 1) + "; the last one " +
                     (h.last->status == StepStatus::kRunning ? "was interrupted" : "failed") + ")");
  } else if (h.unsuccessful > 0) {
    notes->push_back("step '" + step.id + "': retrying (attempt " +
                     std::to_string(h.unsuccessful + 1) + ")");
  }
  return planned;
}

// Whether `r` runs without a path: never succeeded, or changed since.
const char* RepeatablePending(const Repeatable& r,
                              const std::map<std::string, StepHistory, std::less<>>& history) {
  auto it = history.find(r.step.id);
  if (it == history.end() || it->second.applied == nullptr) return "new";
  if (it->second.applied->checksum != r.step.checksum) return "changed";
  return nullptr;
}

// A repeatable belongs to its plugin's release: it describes objects as
// that version has them (CloudStack's views are 4.22's), so it runs only on
// a plan whose target is at or above the plugin's own version.
bool RepeatableApplies(const LoadedPlugin& plugin, const Version& target) {
  auto version = Version::Parse(plugin.info->version, "plugin version");
  return !version.ok() || !(target < *version);
}

void PlanRepeatables(const Catalog& catalog, RepeatableWhen when, bool path_runs,
                     const std::map<std::string, StepHistory, std::less<>>& history, Plan* plan) {
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    if (!RepeatableApplies(plugin, plan->target)) continue;
    for (const Repeatable& r : plugin.repeatables) {
      if (r.when != when) continue;
      const char* pending = RepeatablePending(r, history);
      if (pending == nullptr && !path_runs) continue;
      std::vector<std::string> ignored;
      PlannedStep planned = PlanStep(*r.edge, r.step, history, &ignored);
      auto it = history.find(r.step.id);
      const ChangelogEntry* last = it != history.end() ? it->second.last : nullptr;
      const bool resumes = planned.resume_from > 0 || !planned.pending_fingerprint.empty();
      if (resumes && last != nullptr && last->checksum == r.step.checksum) {
        plan->notes.insert(plan->notes.end(), ignored.begin(), ignored.end());
      } else {
        planned.resume_from = 0;
        planned.pending_fingerprint.clear();
      }
      planned.repeatable = true;
      planned.when = when;
      planned.reason = pending != nullptr ? pending : "unchanged; the path runs";
      plan->steps.push_back(planned);
    }
  }
}

Result<Plan> PlanCleanup(const Catalog& catalog, const ChangelogState& state,
                         const std::map<std::string, StepHistory, std::less<>>& history,
                         const PlanRequest& request) {
  Plan plan;
  plan.current = state.version;
  plan.target = state.version;
  plan.phase = Phase::kCleanup;
  if (request.target.has_value() && !(*request.target == state.version)) {
    return Status::InvalidArgument("--phase cleanup runs the cleanup steps up to the current version " +
                                   state.version.ToString() + "; it takes no other target (" +
                                   request.target->ToString() + ")");
  }
  // Edges already walked: every expand step applied. Ordered by target
  // version, then source version, then plugin file, so that cleanup runs in
  // the order the upgrade went.
  std::vector<const Edge*> walked;
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    const Edge& edge = catalog.edge(i);
    auto [total, applied] = ExpandProgress(edge, history);
    if (total > 0 && applied == total && !(state.version < edge.to)) walked.push_back(&edge);
  }
  std::sort(walked.begin(), walked.end(), [](const Edge* a, const Edge* b) {
    if (!(a->to == b->to)) return a->to < b->to;
    if (!(a->from == b->from)) return a->from < b->from;
    return a->plugin->file < b->plugin->file;
  });
  for (const Edge* edge : walked) {
    for (const Step& step : edge->steps) {
      if (step.phase == Phase::kCleanup && !IsApplied(history, step.id)) {
        plan.steps.push_back(PlanStep(*edge, step, history, &plan.notes));
      }
    }
  }
  return plan;
}

}  // namespace

Result<Plan> MakePlan(const Catalog& catalog, const ChangelogState& state,
                      const std::vector<ChangelogEntry>& entries, const PlanRequest& request) {
  const auto history = IndexHistory(entries);
  CHIMP_RETURN_IF_ERROR(ValidateChecksums(catalog, history));
  if (request.phase == Phase::kCleanup) return PlanCleanup(catalog, state, history, request);

  const Graph& graph = catalog.graph();
  Plan plan;
  plan.current = state.version;
  plan.phase = Phase::kExpand;

  // An edge from the current version with some steps applied is in
  // progress: the run that started it must be finished the same way.
  const Edge* in_progress = nullptr;
  size_t in_progress_index = 0;
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    const Edge& edge = catalog.edge(i);
    if (!(edge.from == state.version)) continue;
    if (ExpandProgress(edge, history).second == 0) continue;
    if (in_progress != nullptr) {
      return Status::FailedPrecondition("two edges from the current version " + state.version.ToString() +
                                        " are partly applied: " + in_progress->plugin->file + ": " +
                                        in_progress->Name() + " and " + edge.plugin->file + ": " +
                                        edge.Name() + "; the changelog needs repair");
    }
    in_progress = &edge;
    in_progress_index = i;
  }

  if (request.target.has_value()) {
    plan.target = *request.target;
  } else {
    // The newest version reachable from where the database is (through
    // the edge in progress, if any).
    const Version& from = in_progress != nullptr ? in_progress->to : state.version;
    plan.target = from;
    for (const Version& v : graph.ReachableFrom(from)) plan.target = std::max(plan.target, v);
  }

  std::vector<size_t> path;
  if (in_progress != nullptr) {
    if (plan.target < in_progress->to) {
      return Status::PlanError("the edge in progress " + in_progress->plugin->file + ": " +
                               in_progress->Name() + " must be finished first, and it goes beyond the target " +
                               plan.target.ToString());
    }
    path.push_back(in_progress_index);
    CHIMP_ASSIGN_OR_RETURN(auto rest, graph.ShortestPath(in_progress->to, plan.target));
    path.insert(path.end(), rest.begin(), rest.end());
  } else {
    CHIMP_ASSIGN_OR_RETURN(path, graph.ShortestPath(state.version, plan.target));
  }

  std::vector<PlannedStep> path_steps;
  for (size_t index : path) {
    const Edge& edge = catalog.edge(index);
    plan.path.push_back(&edge);
    for (const Step& step : edge.steps) {
      if (step.phase != Phase::kExpand || IsApplied(history, step.id)) continue;
      path_steps.push_back(PlanStep(edge, step, history, &plan.notes));
    }
  }
  // A base edge (from the empty version) creates what the before-ones
  // need: they run after it, before the first upgrade edge.
  size_t base_steps = 0;
  while (base_steps < path_steps.size() && path_steps[base_steps].edge->from.empty()) ++base_steps;
  const bool path_runs = !path_steps.empty();
  plan.steps.insert(plan.steps.end(), path_steps.begin(), path_steps.begin() + base_steps);
  PlanRepeatables(catalog, RepeatableWhen::kBefore, path_runs, history, &plan);
  plan.steps.insert(plan.steps.end(), path_steps.begin() + base_steps, path_steps.end());
  PlanRepeatables(catalog, RepeatableWhen::kAfter, path_runs, history, &plan);
  return plan;
}

}  // namespace chimp
