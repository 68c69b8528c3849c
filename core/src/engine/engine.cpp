#include "chimp/engine.hpp"

#include "chimp/loader.hpp"
#include "chimp/sql_splitter.hpp"
#include "exec/backup.hpp"
#include "exec/maintenance.hpp"
#include "exec/session.hpp"

namespace chimp {

const char* EngineVersion() { return CHIMP_ENGINE_VERSION; }

Result<std::unique_ptr<Catalog>> LoadCatalog(const EngineOptions& options) {
  if (options.plugin_dirs.empty()) {
    return Status::InvalidArgument("no plugin directory: give --plugins DIR or set [plugins] paths");
  }
  CHIMP_ASSIGN_OR_RETURN(auto plugins, LoadPlugins(options.plugin_dirs));
  return Catalog::Build(std::move(plugins));
}

Status InitChangelog(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  return changelog.EnsureTables();
}

Result<PlanReport> MakeMigrationPlan(const EngineOptions& options, const PlanRequest& request) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  PlanReport report;
  CHIMP_ASSIGN_OR_RETURN(report.catalog, LoadCatalog(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_ASSIGN_OR_RETURN(report.state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report.plan, MakePlan(*report.catalog, report.state, entries, request));
  return report;
}

Result<StatusReport> GetStatus(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  StatusReport report;
  report.database = options.database;
  report.changelog_schema = options.changelog_schema;
  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_ASSIGN_OR_RETURN(report.state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());

  // The latest attempt of each step that has not succeeded (yet).
  std::vector<const ChangelogEntry*> latest;
  for (const ChangelogEntry& e : entries) {
    bool replaced = false;
    for (auto& l : latest) {
      if (l->step_id == e.step_id) {
        l = &e;
        replaced = true;
      }
    }
    if (!replaced) latest.push_back(&e);
  }
  for (const ChangelogEntry* e : latest) {
    if (e->status != StepStatus::kSuccess) report.failed.push_back(*e);
  }

  CHIMP_ASSIGN_OR_RETURN(auto backups, changelog.ReadBackups());
  if (!backups.empty()) report.last_backup = backups.back();

  if (options.plugin_dirs.empty()) return report;
  CHIMP_ASSIGN_OR_RETURN(report.catalog, LoadCatalog(options));
  const Catalog& catalog = *report.catalog;
  report.newest = catalog.Newest();
  auto plan = MakePlan(catalog, report.state, entries, PlanRequest{});
  if (plan.ok()) {
    report.pending = std::move(plan).value();
  } else {
    report.plan_error = plan.status().message();
  }
  auto cleanup = MakePlan(catalog, report.state, entries, PlanRequest{std::nullopt, Phase::kCleanup});
  if (cleanup.ok()) report.pending_cleanup = static_cast<int32_t>(cleanup->steps.size());
  return report;
}

Result<MigrateReport> Migrate(const EngineOptions& options, const PlanRequest& request,
                              ExecutionObserver* observer,
                              std::function<void(const LockHolder&)> on_wait,
                              std::function<void(const BackupRecord&)> on_backup) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  // The lock has a session of its own, so that whatever a step does to its
  // session (a lost connection, a KILL) cannot release it mid-run.
  CHIMP_ASSIGN_OR_RETURN(auto lock_conn, internal::ConnectWithoutDatabase(options));
  const std::string run_id = NewRunId();
  CHIMP_ASSIGN_OR_RETURN(auto lock, internal::TakeRunLock(options, *lock_conn, run_id, std::move(on_wait)));
  MigrateReport report;
  CHIMP_ASSIGN_OR_RETURN(report.catalog, LoadCatalog(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report.plan, MakePlan(*report.catalog, state, entries, request));
  if (observer != nullptr) observer->OnPlan(report.plan, run_id);
  if (!options.backup_dir.empty() && !report.plan.steps.empty()) {
    internal::BackupJob job{options.backup_dir, options.database, run_id, state.version.ToString(),
                            options.connection};
    job.connection.database.clear();
    CHIMP_ASSIGN_OR_RETURN(auto backup, internal::RunBackup(*conn, changelog, job));
    if (on_backup) on_backup(backup);
  }
  CHIMP_RETURN_IF_ERROR(lock->CheckHeld());
  auto summary = ExecutePlan(report.plan, *conn, changelog, options.database, run_id, observer);
  if (!summary.ok()) return summary.status();
  report.summary = std::move(summary).value();
  CHIMP_RETURN_IF_ERROR(lock->CheckHeld());
  return report;
}

Result<std::vector<ChangelogEntry>> ReadLog(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  return changelog.ReadEntries();
}

Result<std::vector<std::string>> StatementsOf(const Step& step) {
  std::vector<std::string> out;
  if (step.kind == StepKind::kNative || (step.kind == StepKind::kCheck && step.run != nullptr)) return out;
  if (step.kind == StepKind::kCheck) {
    out.push_back(step.sql);
    return out;
  }
  const std::string source = step.source.empty() ? step.id : step.source;
  CHIMP_ASSIGN_OR_RETURN(auto statements, step.dialect == SqlDialect::kScriptRunner
                                              ? SplitScriptRunner(step.sql, source)
                                              : SplitSql(step.sql, source));
  for (auto& s : statements) out.push_back(std::move(s.text));
  return out;
}

}  // namespace chimp
