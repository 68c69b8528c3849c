// StepRunner: runs one planned step (chimp/executor.hpp): enters a fresh
// session for it, runs it the way its kind asks (a check in autocommit, a
// step without DDL in one transaction with its row, a step with DDL
// statement by statement, exec/ddl_run.hpp) and records the outcome in the
// changelog.
#ifndef CHIMP_EXEC_STEP_RUNNER_HPP_
#define CHIMP_EXEC_STEP_RUNNER_HPP_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/planner.hpp"
#include "exec/step_context.hpp"
#include "exec/step_row.hpp"
#include "recovery/counters.hpp"
#include "sql/statement_info.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

// REQUIRES: every reference outlives the runner; `observer` may be null.
class StepRunner {
 public:
  // `guard` may be null (nothing checked around statements); `record`
  // too (native steps' progress is not written to their rows).
  StepRunner(Connection& conn, Changelog& changelog, const std::string& target_db, const std::string& run_id,
             ExecutionObserver* observer, const RunGuard* guard = nullptr, ProgressRecord* record = nullptr)
      : conn_(conn),
        changelog_(changelog),
        target_db_(target_db),
        run_id_(run_id),
        observer_(observer),
        guard_(guard),
        record_(record),
        counters_(conn, changelog, target_db) {}

  // Runs `planned` and records it; returns the step's status. `next` is the
  // step the run goes on with right after it (nullptr: none): the last
  // commit of `planned` makes the AUTO_INCREMENT checkpoint of its first
  // transaction durable (recovery/counters.hpp).
  // `following`: the steps of the same edge after `planned`, in run order;
  // a one-DDL step writes the rows of those that can share its write
  // (RowsAhead).
  Status Run(const PlannedStep& planned, const PlannedStep* next = nullptr,
             std::span<const PlannedStep* const> following = {});
  // The end of the run: writes a waiting finish and deletes the rows
  // written ahead for steps that did not start (a step before them failed
  // or the run stopped). Best effort when the run failed.
  Status EndRun();

 private:
  // Enters the step's session, then runs it the way its kind asks; a step
  // that cannot be entered is recorded failed (unless the server is lost).
  StepOutcome Dispatch(const StepContext& step, StatementSource& source);
  // Resets the session, selects the step's database and runs the plugin's
  // and the step's session statements; or keeps the session as the last
  // step left it, when that step left it as its set-up made it and this
  // step's set-up is the same (SessionKey).
  Status EnterStep(const PlannedStep& planned);
  // The step's set-up: its database, the plugin's and its session SQL.
  std::string SessionKey(const PlannedStep& planned) const;
  // Leaves the session without a default database (a scratch one, dropped).
  Status LeaveDatabase();
  // Runs session statements (client dialect, following the session's
  // modes); errors carry `what`.
  Status RunSessionSql(const std::string& sql, const char* what);

  // A check: runs it in autocommit (exec/check_run.hpp), unless it passed
  // as a pre-flight check of this run, then records the verdict.
  StepOutcome RunAutocommit(const StepContext& step);
  // No DDL: the statements and the row in one transaction; a failure is
  // recorded after the rollback.
  StepOutcome RunInTransaction(const StepContext& step, StatementSource& source);
  // The transaction of RunInTransaction; a SQL step's row is written,
  // finished, by its last write, inside the transaction. A native step's
  // row is committed `running` before the transaction begins, so that
  // `status` shows it while its code runs, and finished inside it.
  Status RunTransaction(const StepContext& step, StatementSource& source, StepRow& row, StepOutcome* outcome);
  // DDL: the row `running` first, then statement by statement (DdlRun) or
  // the native step; then the row finished with what they left.
  StepOutcome RunStatementByStatement(const StepContext& step, StatementSource& source);

  // The step's one statement when the step can share a row write with
  // the steps around it (doc/recovery.md, "Steps written together"): a
  // fresh SQL step of one DDL statement that runs alone, is not
  // idempotent, and whose probe names all it changes. nullopt otherwise.
  std::optional<ClassifiedStatement> SharesRowWrite(const PlannedStep& planned) const;
  // The rows of the steps of following_ that can be inserted with
  // `planned`'s first write: each shares its row write, has the same
  // session set-up, and touches no object of `planned` or of those before
  // it; each `running` with its pre-image, probed now (before any of them
  // runs). Stops at the first that cannot. `*steps` gets their steps.
  Result<std::vector<ChangelogEntry>> RowsAhead(const PlannedStep& planned, std::vector<const PlannedStep*>* steps);
  // The step's new changelog row (`running`, this run's id).
  ChangelogEntry NewEntry(const PlannedStep& planned, int32_t statement_count) const;
  // Writes a `failed` row at `statements_done`, keeping outcome.keep_pending:
  // finishes `row` when it is written (committed before the failure's
  // rollback), else inserts one. Best effort: a changelog error is dropped
  // (the step's error wins).
  void RecordFailure(const StepContext& step, int32_t statements_done, const StepOutcome& outcome,
                     StepRow* row = nullptr);
  // The success of the step `planned` may be written by the next write
  // (Changelog::DeferFinish).
  bool FinishMayWait(const PlannedStep& planned, const StepOutcome& outcome) const;
  // Corrects the row's statement_count when the run's split found another
  // number than `estimated` (sql_mode changes).
  void FixCount(StepRow& row, int32_t estimated, const StepOutcome& outcome);

  Connection& conn_;
  Changelog& changelog_;
  const std::string& target_db_;
  const std::string& run_id_;
  ExecutionObserver* observer_;
  const RunGuard* guard_;
  ProgressRecord* record_;
  CounterCheckpoint counters_;
  std::span<const PlannedStep* const> following_;
  // Rows an earlier step's write inserted for steps not run yet (RowsAhead).
  std::map<const PlannedStep*, int64_t> carried_;
  // SessionKey of the last step, when the session is still as its set-up
  // made it (the step ran and every statement leaves the session as is);
  // nullopt: the next step resets the session.
  std::optional<std::string> kept_session_;
  // Set by EnterStep: the session selected the step's database (false when
  // it did not exist yet, so a later step must select it again).
  bool database_selected_ = false;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_STEP_RUNNER_HPP_
