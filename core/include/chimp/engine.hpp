// The engine facade: one function per command, each running the pipeline
//
//   config -> connect -> take the lock -> discover + load plugins
//     -> build graph -> read changelog -> validate -> plan -> execute
//
// with the ending its command needs. tools/ calls these and prints.
// Everything before "execute" is read-only.
#ifndef CHIMP_ENGINE_HPP_
#define CHIMP_ENGINE_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/check.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/fingerprint.hpp"
#include "chimp/lock.hpp"
#include "chimp/options.hpp"
#include "chimp/planner.hpp"
#include "chimp/sql_splitter.hpp"
#include "chimp/status.hpp"

namespace chimp {

// The engine's version ("0.1.0").
const char* EngineVersion();

// Loads every plugin in options.plugin_dirs and builds the graph. Needs no
// server.
Result<std::unique_ptr<Catalog>> LoadCatalog(const EngineOptions& options);

// A plugin set loaded the full way once (every plugin trusted, checked
// against its bundle, tried in a child, loaded and its descriptor copied),
// for runs over many targets: set EngineOptions::plugin_set to it and each
// pipeline builds its catalog from copies of these descriptors, running no
// discovery, trust check or load of its own. Immutable once made, so it may
// be shared between threads ([thread-safe] to read); the plugins' code stays
// loaded for the whole process.
struct PluginSet {
  std::vector<LoadedPlugin> plugins;
};

// Loads options.plugin_dirs into a PluginSet and checks that its graph
// builds (the errors of LoadCatalog). [main-thread], like the loader.
Result<std::shared_ptr<const PluginSet>> LoadPluginSet(const EngineOptions& options);

// `init`: creates the changelog tables and the target's state row.
Status InitChangelog(const EngineOptions& options);

// The run that holds the migration lock right now, as `status` sees it
// from another session: who it is (its chimp_state owner columns) and what
// the server says its work session is doing.
struct RunningRun {
  std::string run_id;
  std::string host;  // the machine chimp runs on (gethostname); "" unknown
  int64_t pid = 0;   // its process id there; 0 unknown
  uint64_t work_connection = 0;
  // information_schema.PROCESSLIST of the work session; visible false when
  // it cannot be seen (another account, without the PROCESS privilege).
  bool session_visible = false;
  std::string command;     // "Query", "Sleep", ...
  std::string state;       // "Waiting for table metadata lock", ...
  int64_t seconds = -1;    // in its current state
  std::string query;       // the statement it executes, "" when idle
  std::string server_now;  // the server's clock when read, as started_at is written
};

struct StatusReport {
  std::unique_ptr<Catalog> catalog;  // owns what `pending` points into; null without plugins
  std::string database;
  std::string changelog_schema;
  ChangelogState state;
  Version newest;                                // newest version the plugins know
  std::optional<Plan> pending;                   // plan to the newest version (expand)
  std::string plan_error;                        // why no plan could be made, if so
  StatusCode plan_error_code = StatusCode::kOk;  // its code (kOk when a plan was made)
  // True when a run holds the migration lock of the target right now (the
  // named lock is taken, or a lease row has not expired): a step whose last
  // attempt is running belongs to that live run; without a holder it was
  // left running by a run that died.
  bool run_in_progress = false;
  int32_t pending_cleanup = 0;              // cleanup steps waiting for --phase cleanup
  std::vector<ChangelogEntry> failed;       // latest attempt of steps whose last attempt failed or is running
  std::optional<BackupRecord> last_backup;  // the newest chimp_backups row, if any
  // Set when run_in_progress: the run's owner and its session.
  std::optional<RunningRun> running;
  // Drift: one result per schema with a recorded fingerprint (as `check`
  // gives them); empty when none was recorded. status exits 11 when one
  // failed.
  std::vector<CheckResult> drift;
};
// `status`: where the target stands and what is pending.
Result<StatusReport> GetStatus(const EngineOptions& options);

// `plan` and `migrate --dry-run`: the plan, touching nothing. When the
// changelog tables do not exist yet, plans from the empty version.
// The catalog is returned too, because the plan points into it. The
// pre-flight checks of the plan's steps (Step::preflight) are run, read-only
// as `check` runs them, and their results returned in plan order: a check
// that fails is a result, not an error.
struct PlanReport {
  std::unique_ptr<Catalog> catalog;
  ChangelogState state;
  Plan plan;
  std::vector<CheckResult> preflight;
};
Result<PlanReport> MakeMigrationPlan(const EngineOptions& options, const PlanRequest& request);

// `migrate`: takes the lock (waiting up to options.lock_timeout; `on_wait`
// is told who holds it), plans and runs the pre-flight checks of the plan
// against the database as it is (observer->OnPreflight); then, and only
// when every one passed, creates or upgrades the changelog tables, records
// itself as the owner, plans again and executes. A failed pre-flight check
// returns CheckFailed naming every failed check, its edge, plugin and
// message, with nothing written (no changelog table or row, no backup, no
// step). On a failed step returns StepFailed; the changelog has the row.
// When the live schema differs from the fingerprint recorded after the
// last edge and there are steps to run, returns FailedPrecondition naming
// the differences, unless options.accept_drift. After the last edge (and
// each that declares them) the schemas' fingerprints are recorded;
// when the edge declares fingerprints (Edge::target_fingerprint) and one
// differs, returns CheckFailed naming the differences (the edge's steps
// and its version stay recorded).
struct MigrateReport {
  std::unique_ptr<Catalog> catalog;  // owns what `plan` points into
  Plan plan;
  ExecutionSummary summary;
};
//
// With options.backup_dir set and steps to run, the target database is
// dumped first (after the plan, before the first step) and the dump recorded
// in chimp_backups; `on_backup` is told about it, and `observer` of the
// bytes written while the dump runs (OnBackupProgress). A failed dump stops
// the run before any step with BackupFailed.
Result<MigrateReport> Migrate(const EngineOptions& options, const PlanRequest& request, ExecutionObserver* observer,
                              std::function<void(const LockHolder&)> on_wait = {},
                              std::function<void(const BackupRecord&)> on_backup = {});

// `rehearse` (core/src/engine/rehearse.cpp; doc/operations.md) -----------

// One step as the rehearsal ran it on the copy.
struct RehearsedStep {
  std::string step_id;
  std::string edge;  // Edge::Name()
  std::string plugin;
  int64_t duration_ms = 0;
  int32_t warning_count = 0;
  std::vector<std::string> warnings;  // the texts the changelog row keeps
  Status result;                      // Ok, or why the step failed
  int32_t statement = -1;             // the last statement started (0-based); -1 = none
  std::string statement_sql;          // its text, shortened
};

struct RehearsalReport {
  std::string database;
  std::string changelog_schema;
  // The schemas copied from the real server (those that exist there).
  std::vector<std::string> schemas;
  std::string real_server;       // SELECT VERSION() of the real server
  std::string rehearsal_server;  // and of the throwaway one
  // What may make the copy behave otherwise than the real server: a
  // different server version, a setting that could not be copied, the
  // lock not taken (see doc/operations.md).
  std::vector<std::string> fidelity_warnings;
  // The settings copied to the throwaway server ("name=value").
  std::vector<std::string> settings;
  bool lock_taken = false;  // the named lock was held on the real server while it was copied
  Version from;             // the real target's version
  Version target;           // the plan's target
  Version reached;          // the version the copy reached
  std::vector<CheckResult> preflight;
  std::vector<RehearsedStep> steps;  // in run order
  // Ok when the plan ran on the copy to its end; else the run's error
  // (StepFailed, CheckFailed, ...), with the failing step last in `steps`.
  Status result;
  // The fingerprints the copy reached, as a plugin declares them
  // (FingerprintReport::declaration); "" when they could not be read.
  std::string fingerprint;
  int64_t server_ms = 0;  // starting the throwaway server
  int64_t copy_ms = 0;    // dump and load
  int64_t apply_ms = 0;   // the run on the copy
  int64_t total_ms = 0;   // the whole rehearsal
  // The estimate of the run's time on the real server: the steps' time on
  // the copy, rounded to two significant digits (basis: doc/operations.md).
  int64_t estimate_ms = 0;

  bool passed() const { return result.ok(); }
};

// `rehearse`: plans on the real target as it is (read only), starts a
// throwaway mariadbd in a private temporary directory (unix socket only,
// --skip-networking), copies the fidelity settings of the real server to
// it, loads a consistent copy (mariadb-dump --single-transaction piped into
// the mariadb client) of the target, the changelog schema and every other
// existing schema the plan's SQL names, runs `migrate` there with the same
// plugins and options, and stops the server and removes its directory, on
// error and on SIGINT/SIGTERM/SIGHUP too. Writes nothing to the real
// server: with the named lock it holds GET_LOCK while it copies (a lock
// lives in server memory; no row is written), with the lease lock it takes
// none. `observer` sees the run on the copy. A plan that fails on the copy
// is a report whose result says why, not an error. Errors: NotFound (no
// mariadbd or mariadb-install-db; no dump or client program), Unavailable
// (the throwaway server did not start), BackupFailed (the copy failed),
// the planning errors of the real target.
Result<RehearsalReport> Rehearse(const EngineOptions& options, const PlanRequest& request,
                                 ExecutionObserver* observer = nullptr);

// `log`: every changelog row of the target, oldest first.
Result<std::vector<ChangelogEntry>> ReadLog(const EngineOptions& options);

// `check`: every check of the target (chimp/check.hpp; doc/operations.md),
// in this order: the changelog's health (failed or running steps, checksum
// mismatches, as `validate` finds them), the sanity checks of the current
// version, the pre-flight checks of the plan to request.target (Default:
// the newest version) and drift (the live schemas against the fingerprints
// recorded after the last edge, one result per schema). A plan that cannot be made is a
// failed "changelog.plan" result. Takes no lock and writes nothing; the
// check steps run as `plan` runs pre-flight checks (engine/check.hpp).
// REQUIRES: plugin directories.
struct CheckReport {
  std::unique_ptr<Catalog> catalog;
  std::string database;
  ChangelogState state;
  std::optional<Plan> plan;  // the pending plan, when one could be made
  std::vector<CheckResult> checks;
  bool ok() const { return AllPassed(checks); }
};
Result<CheckReport> RunChecks(const EngineOptions& options, const PlanRequest& request);

// `fingerprint`: the live fingerprint of the target database and of every
// other schema a run of the target recorded (chimp_fingerprints), beside
// what was recorded last for each, with the differences named. Read only;
// takes no lock; needs no plugins.
struct FingerprintEntry {
  std::string schema;
  std::string live;                           // "sha256:<hex>" of the schema as it is
  std::string canonical;                      // its canonical form (chimp/fingerprint.hpp)
  std::string recorded;                       // the last recorded fingerprint; "" when none
  std::string recorded_after;                 // the edge it was recorded after ("1.0.0 -> 1.1.0"), "" when none
  std::vector<SchemaDifference> differences;  // recorded -> live; empty when equal or nothing recorded
};
struct FingerprintReport {
  std::string database;
  ChangelogState state;
  std::vector<FingerprintEntry> schemas;  // the target database first, then by name
  // What a plugin pastes into EdgeDef::Fingerprint for the current version
  // (doc/plugins.md): "sha256:<hex>" of the target, then
  // "schema=sha256:<hex>" of each other schema, blank-separated.
  std::string declaration;
};
Result<FingerprintReport> FingerprintTarget(const EngineOptions& options);

// `adhoc`: runs `script` (named `source` in messages) one statement at a
// time through the same splitter and connection as a SQL step, in
// options.database when it is set. The client dialect follows the session's
// NO_BACKSLASH_ESCAPES and ANSI_QUOTES as it goes; `script_runner` selects
// CloudStack's line-based dialect instead. `on_statement` is called after
// each statement (with its ExecInfo and its first result set, columns empty
// when it returned none) or, with `dry_run`, for each statement split (info
// and rows nullptr; no connection is made and default modes apply).
// Stops at the first error: a splitter error names the source and line, a
// server error is DatabaseError naming the source, line and statement.
// When the target's changelog exists, every run that is not a dry run is
// recorded there as one finished 'chimp:adhoc' row (who, when, the source,
// the statements shortened, the script's SHA-256, success or the error); it
// is never a step, and neither plans nor validation look at it.
struct AdhocReport {
  int32_t statements = 0;    // run (or split)
  int64_t changelog_id = 0;  // the 'chimp:adhoc' row; 0 = not recorded
  std::string not_recorded;  // why not, when it was not
};
using AdhocStatementFn = std::function<void(const SqlStatement&, const ExecInfo*, const QueryResult*)>;
Result<AdhocReport> RunAdhoc(const EngineOptions& options, std::string_view script, const std::string& source,
                             bool script_runner, bool dry_run, const AdhocStatementFn& on_statement);

// Splits a step's SQL into the statements that would be sent (for plan -v).
Result<std::vector<std::string>> StatementsOf(const Step& step);

// Maintenance: validate, repair, baseline, backups (core/src/engine/
// validate.cpp, repair.cpp, baseline.cpp, backup.cpp; doc/operations.md) -----

struct ValidationReport {
  std::unique_ptr<Catalog> catalog;
  std::string database;
  ChangelogState state;
  int32_t applied = 0;                       // steps with a success row
  std::vector<ChecksumMismatch> mismatches;  // errors
  std::vector<ChangelogEntry> missing;       // applied, but no installed plugin provides the step (warning)
  std::vector<ChangelogEntry> unfinished;    // latest attempt failed or running
  // The live schemas against the fingerprints recorded after the last
  // edge (one result per schema recorded; errors when one failed).
  std::vector<CheckResult> drift;
  // No mismatch and no drift. (Missing and unfinished steps are reported,
  // not errors.)
  bool ok() const { return mismatches.empty() && AllPassed(drift); }
};

// `validate`: compares every applied step with the installed plugins. Read
// only; takes no lock. REQUIRES: plugin directories.
Result<ValidationReport> ValidateChangelog(const EngineOptions& options);

// What `chimp repair` is asked to do; each part only when set.
struct RepairRequest {
  bool checksums = false;                     // re-record changed checksums
  std::vector<std::string> mark_applied;      // steps the operator completed by hand
  std::vector<std::string> mark_rolled_back;  // steps to restart from statement 0
  // Steps whose last attempt died during a statement chimp cannot judge
  // (doc/recovery.md): the operator says it took effect (the next migrate
  // goes on after it) or did not (the next migrate runs it again).
  std::vector<std::string> statement_done;
  std::vector<std::string> statement_not_done;
};

// One change repair makes (shown before confirming, recorded after).
struct RepairAction {
  RepairKind action = RepairKind::kChecksum;  // never kBaseline; printed as RepairKindName()
  std::string step_id;
  std::string detail;  // e.g. "sha256:ab.. -> sha256:cd.."
};

struct RepairReport {
  std::string run_id;
  std::vector<RepairAction> actions;  // what was (or would have been) done
  bool applied = false;               // false: nothing to do, or not confirmed
};

// `repair`: takes the migration lock, works out the actions, asks
// `confirm(actions)` (not called when there is nothing to do) and, when it
// returns true, applies them and records each in chimp_repairs. Errors:
// FailedPrecondition for a step that is unknown, already applied or has no
// failed or interrupted attempt; InvalidArgument for an empty request.
Result<RepairReport> Repair(const EngineOptions& options, const RepairRequest& request,
                            const std::function<bool(const std::vector<RepairAction>&)>& confirm,
                            std::function<void(const LockHolder&)> on_wait = {});

struct BaselineRequest {
  // Default: the version a plugin's legacy version query finds.
  std::optional<Version> version;
  // Accept a version the graph does not know.
  bool force = false;
};

struct BaselineReport {
  std::string run_id;
  Version version;
  std::string source;  // "--version", or "legacy version query of plugin '<file>'"
};

// `baseline`: marks the target as being at a version without running
// anything: sets chimp_state and adds a 'chimp:baseline' success row. Takes
// the lock. Errors: FailedPrecondition when the changelog already has
// entries or a version for the target; PlanError when the graph does not
// know the version (unless force); NotFound when no version is given and no
// plugin provides a legacy version query or it finds nothing.
Result<BaselineReport> Baseline(const EngineOptions& options, const BaselineRequest& request,
                                std::function<void(const LockHolder&)> on_wait = {});

// What `chimp restore` is asked to restore.
struct RestoreRequest {
  // The chimp_backups row id, or the dump's file path; "" = the newest
  // successful backup of the target that has a file.
  std::string backup;
  // Restore into this database instead of the one the backup came from; it
  // must not exist or be empty, and gets its own changelog entry (its state
  // set to the backup's version). "" = the backup's own database.
  std::string into;
};

struct RestoreReport {
  std::string run_id;
  BackupRecord backup;                      // the backup restored
  std::string into;                         // the database restored into
  Version version_before;                   // that database's version before the restore
  std::vector<ChangelogEntry> rolled_back;  // rows that are (or would be) marked rolled back
  int64_t changelog_id = 0;                 // the 'chimp:restore' row; 0 = not applied
  bool applied = false;                     // false: not confirmed
};

// `restore`: takes the migration lock of the database restored into, finds
// the backup, checks its file, asks `confirm(plan)` and, when it returns
// true, drops and recreates that database, loads the dump into it, marks the
// rows written after the backup rolled back, sets the version back to the
// backup's and records the restore (a 'chimp:restore' row and a chimp_repairs
// row). Errors: NotFound (no such backup), FailedPrecondition (a backup
// without a file, a file missing or not a complete chimp dump, --into a
// database that has objects or a changelog), BackupFailed (the load failed:
// the database is partly restored; run restore again).
Result<RestoreReport> Restore(const EngineOptions& options, const RestoreRequest& request,
                              const std::function<bool(const RestoreReport&)>& confirm,
                              std::function<void(const LockHolder&)> on_wait = {});

// `log`: the target's backups and repairs, oldest first.
Result<std::vector<BackupRecord>> ReadBackups(const EngineOptions& options);
Result<std::vector<RepairRecord>> ReadRepairs(const EngineOptions& options);

}  // namespace chimp

#endif  // CHIMP_ENGINE_HPP_
