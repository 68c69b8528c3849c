// chimp status: where the target stands and what is pending.
#include "changelog/row_reader.hpp"
#include "chimp/engine.hpp"
#include "chimp/lock.hpp"
#include "engine/check.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "lock/galera.hpp"
#include "lock/sessions.hpp"

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
  CHIMP_ASSIGN_OR_RETURN(LockKind kind, internal::ResolveLockKind(conn, options.lock_kind));
  if (kind == LockKind::kLease) {
    CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLeaseHolder(conn, options.changelog_schema, options.database));
    return !holder.lease_owner.empty() && holder.lease_expires_in_s >= 0;
  }
  CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLockHolder(conn, LockNameFor(options.database)));
  return holder.connection_id != 0;
}

// ER_BAD_FIELD_ERROR: a chimp_state without the owner columns of issue 14.
constexpr uint32_t kErBadField = 1054;

// The run that owns the target (chimp_state's owner columns) and what the
// server says its work session does now (information_schema.PROCESSLIST).
// Read-only; the columns an older engine did not write read as unknown.
Result<RunningRun> ReadRunningRun(Connection& conn, Changelog& changelog) {
  RunningRun run;
  const Value params[] = {Value::Text(changelog.target())};
  const std::string from = " FROM " + changelog.StateTable() + " WHERE target = ?";
  const std::string now = "DATE_FORMAT(NOW(6), " + std::string(internal::kDateFormat) + ")";
  auto rows = conn.Query(std::string(kInternalTag) + "SELECT " + now +
                             ", owner_run_id, owner_work_connection, owner_host, owner_pid" + from,
                         params);
  if (!rows.ok() && rows.status().server_errno() == kErBadField) {
    rows = conn.Query(std::string(kInternalTag) + "SELECT " + now + ", owner_run_id, owner_work_connection" + from,
                      params);
  }
  if (!rows.ok() && rows.status().server_errno() == kErBadField) {
    rows = conn.Query(std::string(kInternalTag) + "SELECT " + now + from, params);
  }
  if (!rows.ok()) return rows.status().WithContext("reading the owner of '" + changelog.target() + "'");
  if (rows->rows.empty()) return run;
  internal::RowReader r(rows->rows.front());
  const size_t columns = rows->rows.front().size();
  run.server_now = r.Text();
  if (columns >= 3) {
    run.run_id = r.Text();
    run.work_connection = static_cast<uint64_t>(r.Int());
  }
  if (columns >= 5) {
    run.host = r.Text();
    run.pid = r.Int();
  }
  if (run.work_connection == 0) return run;
  CHIMP_ASSIGN_OR_RETURN(auto sessions, internal::FindSessions(conn, {run.work_connection}));
  if (!sessions.empty()) {
    const internal::SessionInfo& session = sessions.front();
    run.session_visible = true;
    run.command = session.command;
    run.state = session.state;
    run.seconds = session.seconds;
    run.query = session.query;
  }
  return run;
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
  // Only when a row says `running`: the lock is not asked about otherwise,
  // which keeps an idle status at its statements (issue 13.2). A SQL step
  // without DDL writes its row when it commits and is not seen running.
  for (const ChangelogEntry& e : report.failed) {
    if (e.status != StepStatus::kRunning) continue;
    CHIMP_ASSIGN_OR_RETURN(report.run_in_progress, RunInProgress(options, *target.conn));
    if (report.run_in_progress) {
      CHIMP_ASSIGN_OR_RETURN(report.running, ReadRunningRun(*target.conn, changelog));
    }
    break;
  }
  // Drift only where something was recorded: a database never migrated
  // by this engine has nothing to compare with.
  std::vector<CheckResult> drift;
  CHIMP_RETURN_IF_ERROR(internal::AddDriftChecks(*target.conn, changelog, entries, &drift));
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
