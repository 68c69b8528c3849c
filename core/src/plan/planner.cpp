#include "chimp/planner.hpp"

#include <algorithm>
#include <string_view>

namespace chimp {

namespace {

// The first checksum mismatch as the planner reports it.
Status ValidateChecksums(const Catalog& catalog, const ChangelogHistory& history) {
  const std::vector<ChecksumMismatch> mismatches = FindChecksumMismatches(catalog, history, nullptr);
  if (mismatches.empty()) return Status::Ok();
  const ChecksumMismatch& m = mismatches.front();
  return Status::FailedPrecondition("step '" + m.step_id + "' of plugin '" + m.plugin_file + "' has checksum " +
                                    m.installed_checksum + ", but the changelog records " + m.applied_checksum +
                                    " (applied by run " + m.applied_run_id + " from plugin file '" +
                                    m.applied_plugin_file +
                                    "'): the installed plugin changed a step that was already applied");
}

// Number of expand steps of `edge` and how many of them are applied.
std::pair<int, int> ExpandProgress(const Edge& edge, const ChangelogHistory& history) {
  int total = 0;
  int applied = 0;
  for (const Step& step : edge.steps) {
    if (step.phase != Phase::kExpand) continue;
    ++total;
    if (history.IsApplied(step.id)) ++applied;
  }
  return {total, applied};
}

PlannedStep PlanStep(const Edge& edge, const Step& step, const ChangelogHistory& history,
                     std::vector<std::string>* notes) {
  PlannedStep planned;
  planned.edge = &edge;
  planned.step = &step;
  const StepHistory* found = history.Find(step.id);
  if (found == nullptr) return planned;
  const StepHistory& h = *found;
  planned.previous_attempts = h.unsuccessful;
  // Only a step that runs statement by statement leaves work behind; a
  // transactional step rolled back entirely and starts over.
  // An IDEMPOTENT step (typed operations: guarded SQL relying on session
  // variables set by its first statements) starts over instead.
  if (step.has_ddl && !step.idempotent && h.last != nullptr && h.last->status != StepStatus::kSuccess &&
      (h.last->statement_index > 0 || !h.last->pending_fingerprint.empty())) {
    planned.resume_from = h.last->statement_index;
    planned.pending_fingerprint = h.last->pending_fingerprint;
    notes->push_back("step '" + step.id + "': resuming after statement " + std::to_string(h.last->statement_index) +
                     " (attempt " + std::to_string(h.unsuccessful + 1) + "; the last one " +
                     (h.last->status == StepStatus::kRunning ? "was interrupted" : "failed") + ")");
  } else if (h.unsuccessful > 0) {
    notes->push_back("step '" + step.id + "': retrying (attempt " + std::to_string(h.unsuccessful + 1) + ")");
  }
  return planned;
}

// Why the last attempt's statements 1..k cannot be trusted to be the
// installed step's, and what the operator can do.
Status ChangedBeforeResume(const PlannedStep& planned, const ChangelogEntry& last, const std::string& why) {
  const Step& step = *planned.step;
  const std::string k = std::to_string(planned.resume_from);
  const std::string file = planned.edge->plugin ? planned.edge->plugin->file : "";
  return Status::FailedPrecondition(
      "step '" + step.id + "' (plugin '" + file + "', edge " + planned.edge->Name() + "): its last attempt (run " +
      last.run_id + ", changelog row " + std::to_string(last.id) + ") stopped after statement " + k +
      ", but statements 1.." + k + " of the installed step are not the ones it ran (" + why +
      "); resuming at statement " + std::to_string(planned.resume_from + 1) +
      " would skip or repeat statements, so nothing was run. Either install the plugin that ran it again ('" +
      last.plugin_file + "', version " + last.plugin_version + ", checksum " + last.checksum +
      ") and migrate, or undo what statements 1.." + k + " did and run `chimp repair --mark-rolled-back " + step.id +
      "` (the next migrate runs the step from statement 1), or complete the step by hand and run `chimp repair "
      "--mark-applied " +
      step.id + "` (doc/recovery.md)");
}

// A step resumes at statement k+1 only when statements 1..k are those the
// last attempt ran: its done_sha256, or for a row without one (an older
// chimp) its checksum, matches the installed step.
Status CheckResumable(const PlannedStep& planned, const ChangelogHistory& history) {
  if (planned.resume_from <= 0) return Status::Ok();
  const Step& step = *planned.step;
  const ChangelogEntry& last = *history.Find(step.id)->last;
  if (last.done_sha256.empty()) {
    if (last.checksum == step.checksum) return Status::Ok();
    return ChangedBeforeResume(planned, last,
                               "the attempt recorded no digest of its statements, and the step's checksum changed "
                               "from " +
                                   last.checksum + " to " + step.checksum);
  }
  auto split = StatementPrefixDigests(step);
  if (!split.ok())
    return ChangedBeforeResume(planned, last,
                               "chimp cannot split the installed step without a server: " + split.status().message());
  const std::vector<std::string>& digests = *split;
  const size_t k = static_cast<size_t>(planned.resume_from);
  if (k < digests.size() && digests[k] == last.done_sha256) return Status::Ok();
  return ChangedBeforeResume(
      planned, last,
      k < digests.size()
          ? "their digest differs from the one recorded"
          : "the installed step has only " + std::to_string(digests.empty() ? 0 : digests.size() - 1) + " statements");
}

// Whether `r` runs without a path: never succeeded, or changed since.
const char* RepeatablePending(const Repeatable& r, const ChangelogHistory& history) {
  const StepHistory* h = history.Find(r.step.id);
  if (h == nullptr || h->applied == nullptr) return "new";
  if (h->applied->checksum != r.step.checksum) return "changed";
  return nullptr;
}

// A repeatable belongs to its plugin's release: it describes objects as
// that version has them (CloudStack's views are 4.22's), so it runs only on
// a plan whose target is at or above the plugin's own version.
bool RepeatableApplies(const LoadedPlugin& plugin, const Version& target) {
  auto version = Version::Parse(plugin.info->version, "plugin version");
  return !version.ok() || !(target < *version);
}

void PlanRepeatables(const Catalog& catalog, RepeatableWhen when, bool path_runs, const ChangelogHistory& history,
                     Plan* plan) {
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    if (!RepeatableApplies(plugin, plan->target)) continue;
    for (const Repeatable& r : plugin.repeatables) {
      if (r.when != when) continue;
      const char* pending = RepeatablePending(r, history);
      if (pending == nullptr && !path_runs) continue;
      std::vector<std::string> ignored;
      PlannedStep planned = PlanStep(*r.edge, r.step, history, &ignored);
      const StepHistory* h = history.Find(r.step.id);
      const ChangelogEntry* last = h != nullptr ? h->last : nullptr;
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

Result<Plan> PlanCleanup(const Catalog& catalog, const ChangelogState& state, const ChangelogHistory& history,
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
      if (step.phase == Phase::kCleanup && !history.IsApplied(step.id)) {
        plan.steps.push_back(PlanStep(*edge, step, history, &plan.notes));
        CHIMP_RETURN_IF_ERROR(CheckResumable(plan.steps.back(), history));
      }
    }
  }
  return plan;
}

// An edge from the current version with some steps applied is in
// progress: the run that started it must be finished the same way. Null
// when none is.
Result<const Edge*> FindEdgeInProgress(const Catalog& catalog, const ChangelogState& state,
                                       const ChangelogHistory& history) {
  const Edge* in_progress = nullptr;
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    const Edge& edge = catalog.edge(i);
    if (!(edge.from == state.version)) continue;
    if (ExpandProgress(edge, history).second == 0) continue;
    if (in_progress != nullptr) {
      return Status::FailedPrecondition("two edges from the current version " + state.version.ToString() +
                                        " are partly applied: " + in_progress->plugin->file + ": " +
                                        in_progress->Name() + " and " + edge.plugin->file + ": " + edge.Name() +
                                        "; the changelog needs repair");
    }
    in_progress = &edge;
  }
  return in_progress;
}

// The index of `edge` in the catalog.
size_t EdgeIndex(const Catalog& catalog, const Edge* edge) {
  size_t i = 0;
  while (&catalog.edge(i) != edge) ++i;
  return i;
}

// The edges (catalog indexes) from the current version to `target`,
// through the edge in progress when there is one.
Result<std::vector<size_t>> FindPath(const Catalog& catalog, const ChangelogState& state, const Edge* in_progress,
                                     const Version& target) {
  const Graph& graph = catalog.graph();
  if (in_progress == nullptr) return graph.ShortestPath(state.version, target);
  if (target < in_progress->to) {
    return Status::PlanError("the edge in progress " + in_progress->plugin->file + ": " + in_progress->Name() +
                             " must be finished first, and it goes beyond the target " + target.ToString());
  }
  std::vector<size_t> path = {EdgeIndex(catalog, in_progress)};
  CHIMP_ASSIGN_OR_RETURN(auto rest, graph.ShortestPath(in_progress->to, target));
  path.insert(path.end(), rest.begin(), rest.end());
  return path;
}

}  // namespace

Result<Plan> MakePlan(const Catalog& catalog, const ChangelogState& state, const std::vector<ChangelogEntry>& entries,
                      const PlanRequest& request) {
  const ChangelogHistory history(entries);
  CHIMP_RETURN_IF_ERROR(ValidateChecksums(catalog, history));
  if (request.phase == Phase::kCleanup) return PlanCleanup(catalog, state, history, request);

  const Graph& graph = catalog.graph();
  Plan plan;
  plan.current = state.version;
  plan.phase = Phase::kExpand;

  CHIMP_ASSIGN_OR_RETURN(const Edge* in_progress, FindEdgeInProgress(catalog, state, history));
  if (request.target.has_value()) {
    plan.target = *request.target;
  } else {
    // The newest version reachable from where the database is (through
    // the edge in progress, if any).
    const Version& from = in_progress != nullptr ? in_progress->to : state.version;
    plan.target = from;
    for (const Version& v : graph.ReachableFrom(from)) plan.target = std::max(plan.target, v);
  }
  CHIMP_ASSIGN_OR_RETURN(auto path, FindPath(catalog, state, in_progress, plan.target));

  std::vector<PlannedStep> path_steps;
  for (size_t index : path) {
    const Edge& edge = catalog.edge(index);
    plan.path.push_back(&edge);
    for (const Step& step : edge.steps) {
      if (step.phase != Phase::kExpand || history.IsApplied(step.id)) continue;
      path_steps.push_back(PlanStep(edge, step, history, &plan.notes));
      CHIMP_RETURN_IF_ERROR(CheckResumable(path_steps.back(), history));
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
