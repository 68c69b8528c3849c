// The executor: runs a plan step by step against the server, recording each
// step in the changelog.
//
//  - A step with no DDL runs in one transaction together with its changelog
//    row: both happen or neither does. A failure rolls back and then records
//    a `failed` row.
//  - A step with DDL runs statement by statement: its row is written
//    `running` first and its statement index advanced after each statement.
//  - After the last step of an edge, the target's version is set to the
//    edge's target version.
#ifndef CHIMP_EXECUTOR_HPP_
#define CHIMP_EXECUTOR_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"

namespace chimp {

// Receives progress. Every method is called on the executing thread and must
// not throw. Default: ignore.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  // The plan about to run, made with the lock held, and the run's id.
  // Called once, before any step; also when the plan is empty.
  virtual void OnPlan(const Plan& /*plan*/, const std::string& /*run_id*/) {}
  virtual void OnStepStart(const PlannedStep& /*step*/, int32_t /*statement_count*/) {}
  virtual void OnStatement(const PlannedStep& /*step*/, int32_t /*index*/, const std::string& /*sql*/) {}
  virtual void OnStepDone(const PlannedStep& /*step*/, const Status& /*result*/, int64_t /*duration_ms*/,
                          int32_t /*warning_count*/) {}
  virtual void OnVersion(const Version& /*version*/) {}
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
Result<ExecutionSummary> ExecutePlan(const Plan& plan, Connection& conn,
                                     Changelog& changelog,
                                     const std::string& target_db,
                                     const std::string& run_id,
                                     ExecutionObserver* observer);

// A new run id (a random UUID, version 4).
std::string NewRunId();

}  // namespace chimp

#endif  // CHIMP_EXECUTOR_HPP_
