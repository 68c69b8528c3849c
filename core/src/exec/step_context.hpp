// StepContext: what the running of one step shares between its parts
// (exec/step_runner.hpp, exec/ddl_run.hpp): the session, the changelog, the
// planned step and its observer, and how a statement is run and an error
// named.
#ifndef CHIMP_EXEC_STEP_CONTEXT_HPP_
#define CHIMP_EXEC_STEP_CONTEXT_HPP_

#include <cstdint>
#include <string>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/planner.hpp"
#include "chimp/sql_splitter.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// What one step left behind, for its changelog row.
struct StepOutcome {
  Status status;
  int32_t statements_done = 0;
  int32_t statements_seen = 0;  // statements the splitter returned
  int32_t warning_count = 0;
  std::string warnings;  // the first kWarningsKept texts, one per line
  // A pre-image still undecided when the step failed, kept in its row
  // (the changelog's text, recovery/pre_image.hpp).
  std::string keep_pending;
  // The row was finished in the same transaction as the step's last
  // statements.
  bool finished = false;
  // A resume would decide every statement by looking (none ran with an
  // "unknown" pre-image since the last write): the success may wait for
  // the next write (Changelog::DeferFinish).
  bool finish_may_wait = false;
};

// "step 'id' (plugin 'file', edge a -> b)" or "(..., repeatable, before the
// path)": the start of every message about the step.
std::string StepWhere(const PlannedStep& planned);
// The step's source file, or "step 'id'": the name split errors start with.
std::string SourceName(const PlannedStep& planned);

class RunGuard;        // exec/run_guard.hpp
class ProgressRecord;  // exec/progress_record.hpp

// REQUIRES: every reference outlives the context; `observer`, `guard` and
// `record` may be null.
class StepContext {
 public:
  StepContext(Connection& conn, Changelog& changelog, const PlannedStep& planned, ExecutionObserver* observer,
              int32_t count, const RunGuard* guard = nullptr, ProgressRecord* record = nullptr)
      : conn_(conn),
        changelog_(changelog),
        planned_(planned),
        observer_(observer),
        count_(count),
        guard_(guard),
        record_(record) {}

  Connection& conn() const { return conn_; }
  Changelog& changelog() const { return changelog_; }
  const PlannedStep& planned() const { return planned_; }
  // The statement count estimated up front.
  int32_t count() const { return count_; }
  // The run's guard; null when nothing is checked (tests).
  const RunGuard* guard() const { return guard_; }
  ExecutionObserver* observer() const { return observer_; }

  // Runs statement `index`, collecting warnings into `outcome`; a warning
  // fails the statement when the step declares warnings fatal. Runs under
  // the guard (RunGuard::Run): a lost lock is LockTimeout and nothing is
  // sent; a lock wait that reached the bound is explained.
  Status Execute(const SqlStatement& statement, int32_t index, StepOutcome* outcome) const;
  // Runs the native step, after the same lock check. (Its statements go
  // through plugin/services.cpp, which checks nothing itself.) The
  // progress it reports is written to its committed row `row_id`
  // (ProgressRecord; 0: no such row).
  Status RunNative(int64_t row_id) const;
  // `cause` as the step's failure at statement `index` (`statement` null:
  // no statement at hand), coded kStepFailed.
  Status Error(const Status& cause, int32_t index, const SqlStatement* statement) const;
  // Tells the observer that `done` statements of the step are done
  // (OnProgress, kStatements).
  void ReportStatements(int32_t done) const;

 private:
  // `send` under the guard, or alone without one.
  template <typename Send>
  Status Guarded(Send&& send) const;
  Status KeepWarnings(uint64_t warning_count, int32_t index, StepOutcome* outcome) const;
  // Notes the work connection for a second signal (util/interrupt.hpp) and
  // fails with "interrupted by SIG..." once a signal asked the run to stop.
  Status CheckInterrupt() const;

  Connection& conn_;
  Changelog& changelog_;
  const PlannedStep& planned_;
  ExecutionObserver* observer_;
  int32_t count_;
  const RunGuard* guard_;
  ProgressRecord* record_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_STEP_CONTEXT_HPP_
