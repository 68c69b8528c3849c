// StepRunner: runs one planned step (chimp/executor.hpp): enters a fresh
// session for it, runs it the way its kind asks (a check in autocommit, a
// step without DDL in one transaction with its row, a step with DDL
// statement by statement, exec/ddl_run.hpp) and records the outcome in the
// changelog.
#ifndef CHIMP_EXEC_STEP_RUNNER_HPP_
#define CHIMP_EXEC_STEP_RUNNER_HPP_

#include <cstdint>
#include <string>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/planner.hpp"
#include "exec/step_context.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

// REQUIRES: every reference outlives the runner; `observer` may be null.
class StepRunner {
 public:
  StepRunner(Connection& conn, Changelog& changelog, const std::string& target_db, const std::string& run_id,
             ExecutionObserver* observer)
      : conn_(conn), changelog_(changelog), target_db_(target_db), run_id_(run_id), observer_(observer) {}

  // Runs `planned` and records it; returns the step's status.
  Status Run(const PlannedStep& planned);

 private:
  StepOutcome Dispatch(const StepContext& step, StatementSource& source);
  Status EnterStep(const PlannedStep& planned);
  Status LeaveDatabase();
  Status RunSessionSql(const std::string& sql, const char* what);

  StepOutcome RunAutocommit(const StepContext& step);
  Status RunCheckQuery(const PlannedStep& planned);
  StepOutcome RunInTransaction(const StepContext& step, StatementSource& source);
  Status RunTransaction(const StepContext& step, StatementSource& source, int64_t* row, StepOutcome* outcome);
  StepOutcome RunStatementByStatement(const StepContext& step, StatementSource& source);

  ChangelogEntry NewEntry(const PlannedStep& planned, int32_t statement_count) const;
  void RecordFailure(const StepContext& step, int32_t statements_done, const StepOutcome& outcome);
  void FixCount(int64_t row, int32_t estimated, const StepOutcome& outcome);

  Connection& conn_;
  Changelog& changelog_;
  const std::string& target_db_;
  const std::string& run_id_;
  ExecutionObserver* observer_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_STEP_RUNNER_HPP_
