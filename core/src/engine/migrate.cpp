// chimp migrate: lock, plan, pre-flight checks, back up when asked,
// execute; or, when there is nothing to do, only read.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "changelog/clean_snapshot.hpp"
#include "chimp/engine.hpp"
#include "engine/adoption.hpp"
#include "engine/backup.hpp"
#include "engine/check.hpp"
#include "engine/galera_plan.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "exec/online_alter.hpp"
#include "plugin/descriptor_cache.hpp"
#include "recovery/counters.hpp"

namespace chimp {

namespace {

// The no-op: on one connection, without the lock and without loading any
// plugin code the descriptor cache vouches for, read the changelog and
// plan. Returns the report when there is certainly nothing to do: the
// changelog has the newest layout and a version, no step is running or was
// interrupted, no AUTO_INCREMENT checkpoint waits, and the plan has no step
// and no version to record. Anything else, an error included, is nullopt:
// the locked path then does (and reports) what is to be done.
std::optional<MigrateReport> TryNoOp(const EngineOptions& options, const PlanRequest& request,
                                     ExecutionObserver* observer) {
  auto target = internal::OpenTarget(options);
  if (!target.ok()) return std::nullopt;
  std::optional<internal::CleanSnapshot> read =
      internal::ReadCleanSnapshot(*target->conn, options.changelog_schema, options.database);
  if (!read) return std::nullopt;
  auto catalog = internal::LoadPlanningCatalog(options);
  if (!catalog.ok()) return std::nullopt;
  auto plan = MakePlan(**catalog, read->state, read->entries, request);
  if (!plan.ok() || !plan->empty() || !plan->path.empty()) return std::nullopt;
  MigrateReport report;
  report.catalog = std::move(catalog).value();
  report.plan = std::move(plan).value();
  report.summary.reached = report.plan.current;
  if (observer != nullptr) observer->OnPlan(report.plan, "");
  return report;
}

// The plugin files whose code `plan`'s steps need and this process has not
// loaded (their descriptors came from the cache): those of native steps
// and checks that are functions. A SQL step's statements are data the
// full load of the same bytes returned; they run from the cached
// descriptor with none of the plugin's code loaded.
std::set<std::string> NotLoaded(const Plan& plan) {
  std::set<std::string> files;
  for (const PlannedStep& ps : plan.steps) {
    const std::string& file = ps.edge->plugin->file;
    if (ps.step->run != nullptr && !internal::CodeLoaded(file)) files.insert(file);
  }
  return files;
}

// Loads the plugins with planned code steps the full way and plans again on
// the catalog that holds them (the same descriptors, so the same plan), so
// that every step that runs code comes from loaded, tried code.
Status LoadWhatRuns(const EngineOptions& options, const ChangelogState& state,
                    const std::vector<ChangelogEntry>& entries, const PlanRequest& request, MigrateReport* report) {
  const std::set<std::string> files = NotLoaded(report->plan);
  if (files.empty()) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(std::unique_ptr<Catalog> catalog, internal::LoadPlanningCatalog(options, files));
  CHIMP_ASSIGN_OR_RETURN(Plan plan, MakePlan(*catalog, state, entries, request));
  report->plan = std::move(plan);
  report->catalog = std::move(catalog);
  if (const std::set<std::string> left = NotLoaded(report->plan); !left.empty()) {
    return Status::Internal("plugin '" + *left.begin() + "' has code steps to run but its code was not loaded");
  }
  return Status::Ok();
}

// Refuses a run with steps on a schema that differs from the one recorded
// after the last edge (engine/check.hpp, DriftVerdict), unless the operator
// accepts it. A step that ran after that record (an edge a failed or
// killed run left half done) explains the difference: the resume is not
// refused (AddDriftChecks does not compare).
Status RefuseDrift(const EngineOptions& options, Connection& conn, Changelog& changelog,
                   const std::vector<ChangelogEntry>& entries, const Plan& plan) {
  if (options.accept_drift || plan.steps.empty()) return Status::Ok();
  std::vector<CheckResult> drift;
  CHIMP_RETURN_IF_ERROR(internal::AddDriftChecks(conn, changelog, entries, &drift));
  return internal::DriftVerdict(drift);
}

// The plan on the changelog as it is, with the plugins whose steps run
// loaded (a pre-flight check may be code), and its pre-flight checks run
// against the database as it is: before the run's first write. CheckFailed
// when one failed (engine/check.hpp, PreflightVerdict); FailedPrecondition
// when the target is a Galera node and the plan holds what Galera refuses.
Result<Plan> Preflight(const EngineOptions& options, const internal::Target& target, const PlanRequest& request,
                       ExecutionObserver* observer, MigrateReport* report) {
  Changelog& changelog = *target.changelog;
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report->plan, MakePlan(*report->catalog, state, entries, request));
  CHIMP_RETURN_IF_ERROR(internal::CheckPlanOnGalera(target.galera, report->plan));
  CHIMP_RETURN_IF_ERROR(LoadWhatRuns(options, state, entries, request, report));
  CHIMP_RETURN_IF_ERROR(internal::RequireOnlineTool(options.online, report->plan));
  CHIMP_ASSIGN_OR_RETURN(auto results, internal::RunPreflight(options, report->plan));
  if (observer != nullptr && !results.empty()) observer->OnPreflight(results);
  CHIMP_RETURN_IF_ERROR(internal::PreflightVerdict(results));
  CHIMP_RETURN_IF_ERROR(RefuseDrift(options, *target.conn, changelog, entries, report->plan));
  return report->plan;
}

}  // namespace

Result<MigrateReport> Migrate(const EngineOptions& options, const PlanRequest& request, ExecutionObserver* observer,
                              std::function<void(const LockHolder&)> on_wait,
                              std::function<void(const BackupRecord&)> on_backup) {
  if (std::optional<MigrateReport> noop = TryNoOp(options, request, observer)) return std::move(*noop);
  internal::TargetNeeds needs = internal::TargetNeeds::Locked(std::move(on_wait), /*catalog=*/false);
  needs.claim = false;  // a write: after the pre-flight checks
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, std::move(needs)));
  Changelog& changelog = *target.changelog;
  MigrateReport report;
  // Planned from verified descriptors; the plugins with steps to run are
  // loaded (tried in a child, then in chimp) once the plan names them.
  CHIMP_ASSIGN_OR_RETURN(report.catalog, internal::LoadPlanningCatalog(options));
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options, *report.catalog, changelog));
  CHIMP_RETURN_IF_ERROR(internal::RequireAdoptedOrEmpty(options, *target.conn, *report.catalog, changelog));
  CHIMP_ASSIGN_OR_RETURN(const Plan checked, Preflight(options, target, request, observer, &report));
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(target.owner->Claim());  // a new changelog: now that the state row exists
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  // A transaction the last run died in took AUTO_INCREMENT values: give
  // them back before anything runs (recovery/counters.hpp).
  CHIMP_RETURN_IF_ERROR(internal::RestoreCounters(*target.conn, changelog).status());
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report.plan, MakePlan(*report.catalog, state, entries, request));
  CHIMP_RETURN_IF_ERROR(LoadWhatRuns(options, state, entries, request, &report));
  // What the engine's own writes above changed cannot move the path; should
  // it, the checks of the new path run too, still before any step.
  if (report.plan.path != checked.path) {
    CHIMP_RETURN_IF_ERROR(Preflight(options, target, request, observer, &report).status());
  }
  internal::MarkPreflightPassed(&report.plan);
  if (observer != nullptr) observer->OnPlan(report.plan, target.run_id);
  if (!options.backup_dir.empty() && !report.plan.steps.empty()) {
    internal::BackupJob job{options.backup_dir,       options.database,   target.run_id,
                            state.version.ToString(), options.connection, {}};
    job.connection.database.clear();
    if (observer != nullptr) {
      job.on_bytes = [observer](const std::string& file, uint64_t bytes) { observer->OnBackupProgress(file, bytes); };
    }
    CHIMP_ASSIGN_OR_RETURN(auto backup, internal::RunBackup(*target.conn, changelog, job));
    if (on_backup) on_backup(backup);
  }
  for (const PlannedStep& ps : report.plan.steps) {
    // A script only the executor can split records no digest; its resume
    // then needs an unchanged checksum.
    auto digests = StatementPrefixDigests(*ps.step);
    if (digests.ok()) changelog.TrackStatements(ps.step->id, std::move(digests).value());
  }
  CHIMP_RETURN_IF_ERROR(target.lock->CheckHeld());
  auto summary = ExecutePlan(report.plan, *target.conn, changelog, options.database, target.run_id, observer,
                             target.Guard(options));
  if (!summary.ok()) return summary.status();
  report.summary = std::move(summary).value();
  CHIMP_RETURN_IF_ERROR(target.lock->CheckHeld());
  return report;
}

}  // namespace chimp
