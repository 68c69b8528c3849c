// chimp migrate: lock, plan, back up when asked, execute.
#include "chimp/engine.hpp"
#include "engine/adoption.hpp"
#include "engine/backup.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "recovery/counters.hpp"

namespace chimp {

Result<MigrateReport> Migrate(const EngineOptions& options, const PlanRequest& request, ExecutionObserver* observer,
                              std::function<void(const LockHolder&)> on_wait,
                              std::function<void(const BackupRecord&)> on_backup) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, internal::TargetNeeds::Locked(std::move(on_wait))));
  Changelog& changelog = *target.changelog;
  MigrateReport report;
  report.catalog = std::move(target.catalog);
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options, *report.catalog, changelog));
  CHIMP_RETURN_IF_ERROR(internal::RequireAdoptedOrEmpty(options, *target.conn, *report.catalog, changelog));
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(target.owner->Claim());  // a new changelog: now that the state row exists
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  // A transaction the last run died in took AUTO_INCREMENT values: give
  // them back before anything runs (recovery/counters.hpp).
  CHIMP_RETURN_IF_ERROR(internal::RestoreCounters(*target.conn, changelog).status());
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report.plan, MakePlan(*report.catalog, state, entries, request));
  if (observer != nullptr) observer->OnPlan(report.plan, target.run_id);
  if (!options.backup_dir.empty() && !report.plan.steps.empty()) {
    internal::BackupJob job{options.backup_dir, options.database, target.run_id, state.version.ToString(),
                            options.connection};
    job.connection.database.clear();
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
