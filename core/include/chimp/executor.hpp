// The executor: runs a plan step by step against the server, recording each
// step in the changelog.
//
//  - Before every step the session starts afresh: it is reset as a new
//    connection would be (Connection::ResetSession: session variables back
//    to the server's global values, user variables, temporary tables and
//    prepared statements dropped; utf8mb4, autocommit on), the step's
//    database is selected (Step::database, else the target; "" or a
//    database that does not exist = no default database), then the plugin's
//    session_sql and the step's session_sql run. A failure there fails the
//    step before its first statement.
//  - SQL is split as it executes. In the client dialect the splitter
//    follows the session's NO_BACKSLASH_ESCAPES and ANSI_QUOTES from the
//    status flags of each reply, as the mariadb client does; the
//    ScriptRunner dialect does not read quotes. statement_count is the
//    count with the default modes, corrected at the end when the split
//    while executing found another.
//  - A step with no DDL runs in one transaction together with its changelog
//    row: both happen or neither does. A failure rolls back and then records
//    a `failed` row.
//  - A step with DDL writes its row `running` first. Statements that commit
//    or may commit (DDL per CausesImplicitCommit, CALL, EXECUTE, COMMIT,
//    ROLLBACK, START TRANSACTION, LOCK, SET autocommit, ...) run alone,
//    each followed by its own statement-index update. Consecutive other
//    statements run in one transaction that ends with the index update and
//    is committed before the next lone statement. A failure inside such a
//    group rolls it back and leaves the index at the group's first
//    statement, so every statement takes effect exactly once across a
//    failure and its resume. (Should a grouped statement commit anyway, the
//    index is written at once after it. Between LOCK TABLES and UNLOCK
//    TABLES no other table can be written and a transaction would unlock:
//    those statements run one by one and the index is written after
//    UNLOCK TABLES.) On resume the statements already done are skipped,
//    except those that only set session state (USE, SET of session or user
//    variables without a subquery), which run again on the fresh session.
//  - Exactly once across a crash (doc/recovery.md): before a statement that
//    runs alone, one changelog update records its index and its pre-image
//    (a fingerprint of the objects it names, "idempotent" or "unknown");
//    the index update after it clears the pre-image. On resume, a statement
//    in doubt (PlannedStep::pending_fingerprint) is probed again: unchanged
//    = run it, changed = it took effect, skip it; "unknown" stops with
//    FailedPrecondition before any row is written, naming the statement and
//    `chimp repair --statement-done/--statement-not-done`. A native step
//    with DDL that is not IDEMPOTENT counts as one "unknown" statement.
//  - Warnings and notes of every statement are counted and the first few
//    texts kept in the changelog row; with Step::warnings_fatal any warning
//    fails the step (rolling back a transaction or group it ran in).
//  - A check the plan marks preflight_passed (migrate ran it before the
//    first write) is recorded as a success at its place, not run again.
//  - Repeatable steps planned before the path run before the first edge
//    that does not start at the empty version (a base edge creates what
//    they need), then each edge's steps (after the last step of an edge,
//    the target's version is set to the edge's target version), then the
//    repeatables planned after the path.
#ifndef CHIMP_EXECUTOR_HPP_
#define CHIMP_EXECUTOR_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/check.hpp"
#include "chimp/connection.hpp"
#include "chimp/options.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"

namespace chimp {

// How far a running step is (issue 14): what a live progress line shows.
struct StepProgress {
  // What `done` and `total` count.
  //  - kStatements: the statements of a SQL step; `total` is the count
  //    estimated up front (0 = unknown), `done` the statements finished,
  //    counting those a resumed step skipped.
  //  - kUnits: what a native step reports through services->progress
  //    (ctx.Progress): rows, for a typed UpdateRows operation; `total` 0 =
  //    unknown.
  //  - kPercent: an online ALTER TABLE (Step::online): the percentage of
  //    the table pt-online-schema-change has copied; `total` is 100.
  enum class Unit { kStatements, kUnits, kPercent };
  Unit unit = Unit::kStatements;
  uint64_t done = 0;
  uint64_t total = 0;
};

// What the server says the run's session is doing while one statement (or
// one call of a native step) has run for longer than 2 s: read from
// information_schema.PROCESSLIST by the watcher (ExecutionGuard::watch).
struct StatementActivity {
  int64_t running_ms = 0;  // since the statement or the native call started
  std::string state;       // PROCESSLIST.STATE ("Sending data", "Waiting for table metadata lock"); "" = none
  std::string statement;   // PROCESSLIST.INFO, shortened; "" = between statements
  bool lock_wait = false;  // waits for a metadata, table, backup or row lock
  // When not empty: the warning about the lock wait that was also logged
  // (once, then every 10 s): the statement, the bound and who holds it.
  std::string warning;
};

// Receives progress. Every method must not throw, and is called on the
// executing thread unless it says otherwise. Default: ignore.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  // The plan about to run, made with the lock held, and the run's id.
  // Called once, before any step; also when the plan is empty.
  virtual void OnPlan(const Plan& /*plan*/, const std::string& /*run_id*/) {}
  // `migrate`: the pre-flight checks of the path, run before the first
  // write (chimp/check.hpp), when the path has any; before OnPlan. Called
  // too when one failed: the run then stops with nothing written.
  virtual void OnPreflight(const std::vector<CheckResult>& /*results*/) {}
  virtual void OnStepStart(const PlannedStep& /*step*/, int32_t /*statement_count*/) {}
  virtual void OnStatement(const PlannedStep& /*step*/, int32_t /*index*/, const std::string& /*sql*/) {}
  virtual void OnStepDone(const PlannedStep& /*step*/, const Status& /*result*/, int64_t /*duration_ms*/,
                          int32_t /*warning_count*/) {}
  virtual void OnVersion(const Version& /*version*/) {}
  // The step advanced: after each statement of a SQL step (and once at its
  // start with the statements a resume skips), on every progress report of
  // a native step. May be called thousands of times a second: an observer
  // that draws must rate-limit itself.
  virtual void OnProgress(const PlannedStep& /*step*/, const StepProgress& /*progress*/) {}
  // About twice a second while a statement has run for more than 2 s, with
  // what the server says it does. Called on the watcher's own thread (never
  // two calls at once), possibly while another method runs on the executing
  // thread: an observer must synchronise what both touch.
  virtual void OnActivity(const StatementActivity& /*activity*/) {}
  // A warning of the step's statements, one call per text the changelog
  // row keeps ("statement 3: Note 1051 Unknown table ..."), before
  // OnStepDone.
  virtual void OnWarning(const PlannedStep& /*step*/, const std::string& /*message*/) {}
  // migrate --backup: `bytes` written so far into `file` by the dump
  // program, about twice a second while it runs. Called on a thread of its
  // own (never two calls at once), before OnStepStart of the first step.
  virtual void OnBackupProgress(const std::string& /*file*/, uint64_t /*bytes*/) {}
};

class RunLock;  // chimp/lock.hpp

// What ExecutePlan checks and watches around every statement (issue 10).
struct ExecutionGuard {
  // Checked before every statement and before each native step
  // (RunLock::CheckHeld): once it is lost, the run stops before its next
  // statement with LockTimeout; the step's row is finished `failed`.
  // Null: nothing checked. REQUIRES: outlives ExecutePlan.
  RunLock* lock = nullptr;
  // The session's lock_wait_timeout (EngineOptions::lock_wait_timeout),
  // named in the messages about lock waits.
  std::chrono::seconds lock_wait_timeout{60};
  // When true, a thread on a session of its own (`watcher`) logs what a
  // statement running longer than 2 s waits for when it waits for a lock,
  // and who holds it. Default: off.
  bool watch = false;
  ConnectionOptions watcher;
  // Steps marked online (Step::online): how pt-online-schema-change runs,
  // and where it connects (the run's server and account; the database is
  // the step's).
  OnlineAlterOptions online;
  ConnectionOptions online_connection;
};

struct ExecutionSummary {
  std::string run_id;
  int32_t steps_run = 0;
  Version reached;
};

// Runs `plan` on `conn` (the session used for both the steps and the
// changelog writes). `target_db` is the database steps run in (`USE`d before
// each step when it exists; created when missing). Stops at the first failed
// step and returns StepFailed with the step, the statement index and the
// server's error; what ran before stays recorded.
// REQUIRES: the caller holds the migration lock.
Result<ExecutionSummary> ExecutePlan(const Plan& plan, Connection& conn, Changelog& changelog,
                                     const std::string& target_db, const std::string& run_id,
                                     ExecutionObserver* observer, const ExecutionGuard& guard = {});

// A new run id (a random UUID, version 4).
std::string NewRunId();

}  // namespace chimp

#endif  // CHIMP_EXECUTOR_HPP_
