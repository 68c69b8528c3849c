// chimp status: where the target stands and what is pending.
#include "chimp/engine.hpp"
#include "chimp/lock.hpp"
#include "engine/check.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"

namespace chimp {

namespace {

// The plan to the newest version and the cleanup steps waiting, when the
// plugins are given. Planning only: descriptors the cache holds serve
// without loading their plugins' code.
Status AddPending(const EngineOptions& options, Changelog& changelog, const std::vector<ChangelogEntry>& entries,
                  StatusReport* report) {
  CHIMP_ASSIGN_OR_RETURN(report->catalog, internal::LoadPlanningCatalog(options));
  const Catalog& catalog = *report->catalog;
  // As migrate and plan: plugins that cannot start an empty database.
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options, catalog, changelog));
  report->newest = catalog.Newest();
  auto plan = MakePlan(catalog, report->state, entries, PlanRequest{});
  if (plan.ok()) {
    report->pending = std::move(plan).value();
  } else {
    report->plan_error = plan.status().message();
    report->plan_error_code = plan.status().code();
  }
  auto cleanup = MakePlan(catalog, report->state, entries, PlanRequest{std::nullopt, Phase::kCleanup});
  if (cleanup.ok()) report->pending_cleanup = static_cast<int32_t>(cleanup->steps.size());
  return Status::Ok();
}

// Whether a run holds the migration lock of options.database right now.
Result<bool> RunInProgress(const EngineOptions& options, Connection& conn) {
  if (options.lock_kind == LockKind::kLease) {
    CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLeaseHolder(conn, options.changelog_schema, options.database));
    return !holder.lease_owner.empty() && holder.lease_expires_in_s >= 0;
  }
  CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLockHolder(conn, LockNameFor(options.database)));
  return holder.connection_id != 0;
}

}  // namespace

Result<StatusReport> GetStatus(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  Changelog& changelog = *target.changelog;
  StatusReport report;
  report.database = options.database;
  report.changelog_schema = options.changelog_schema;
  CHIMP_ASSIGN_OR_RETURN(report.state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  // The latest attempt of each step that has not succeeded (yet).
  for (const ChangelogEntry* e : ChangelogHistory(entries).LatestInOrder()) {
    // chimp's own rows (a failed adhoc run) are not steps (doc/operations.md).
    if (e->status != StepStatus::kSuccess && !IsEngineRow(*e)) report.failed.push_back(*e);
  }
  for (const ChangelogEntry& e : report.failed) {
    if (e.status != StepStatus::kRunning) continue;
    CHIMP_ASSIGN_OR_RETURN(report.run_in_progress, RunInProgress(options, *target.conn));
    break;
  }
  // Drift only where something was recorded: a database never migrated
  // by this engine has nothing to compare with.
  std::vector<CheckResult> drift;
  CHIMP_RETURN_IF_ERROR(internal::AddDriftChecks(*target.conn, changelog, &drift));
  for (CheckResult& r : drift) {
    if (r.name != "drift") report.drift.push_back(std::move(r));
  }
  CHIMP_ASSIGN_OR_RETURN(auto backups, changelog.ReadBackups());
  if (!backups.empty()) report.last_backup = backups.back();
  if (options.plugin_dirs.empty()) return report;
  CHIMP_RETURN_IF_ERROR(AddPending(options, changelog, entries, &report));
  return report;
}

}  // namespace chimp
