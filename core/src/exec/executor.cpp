// ExecutePlan: the order in which a plan's steps run along the path, and the
// version updates after each edge. One step's run is exec/step_runner.hpp.
#include "chimp/executor.hpp"

#include "exec/run_guard.hpp"
#include "exec/step_runner.hpp"
#include "recovery/fault_points.hpp"
#include "util/run_id.hpp"

namespace chimp {

namespace {

using internal::TEST_CrashPoint;

Result<bool> DatabaseExists(Connection& conn, const std::string& name) {
  const Value params[] = {Value::Text(name)};
  CHIMP_ASSIGN_OR_RETURN(auto found,
                         conn.QueryScalar(std::string(kInternalTag) +
                                              "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                                          params));
  return found.has_value() && found->ToString() != "0";
}

// Runs a plan's steps in path order, counting them into the summary.
class PathRun {
 public:
  PathRun(const Plan& plan, Changelog& changelog, const std::string& run_id, ExecutionObserver* observer,
          internal::StepRunner& runner, ExecutionSummary* summary)
      : plan_(plan), changelog_(changelog), run_id_(run_id), observer_(observer), runner_(runner), summary_(summary) {}

  Status Run() {
    if (plan_.phase == Phase::kCleanup) {
      for (const PlannedStep& planned : plan_.steps) CHIMP_RETURN_IF_ERROR(RunStep(planned));
      return Status::Ok();
    }
    // Before-repeatables run before the first upgrade edge: after a base
    // edge, which creates what they need (planner.hpp).
    bool before_done = false;
    for (const Edge* edge : plan_.path) {
      if (!before_done && !edge->from.empty()) {
        CHIMP_RETURN_IF_ERROR(RunRepeatables(RepeatableWhen::kBefore));
        before_done = true;
      }
      CHIMP_RETURN_IF_ERROR(RunEdge(*edge));
    }
    if (!before_done) CHIMP_RETURN_IF_ERROR(RunRepeatables(RepeatableWhen::kBefore));
    return RunRepeatables(RepeatableWhen::kAfter);
  }

 private:
  Status RunStep(const PlannedStep& planned) {
    CHIMP_RETURN_IF_ERROR(runner_.Run(planned));
    ++summary_->steps_run;
    return Status::Ok();
  }

  Status RunRepeatables(RepeatableWhen when) {
    for (const PlannedStep& planned : plan_.steps) {
      if (planned.repeatable && planned.when == when) CHIMP_RETURN_IF_ERROR(RunStep(planned));
    }
    return Status::Ok();
  }

  // The edge's steps, then the target's version.
  Status RunEdge(const Edge& edge) {
    for (const PlannedStep& planned : plan_.steps) {
      if (!planned.repeatable && planned.edge == &edge) CHIMP_RETURN_IF_ERROR(RunStep(planned));
    }
    TEST_CrashPoint("before-version");
    CHIMP_RETURN_IF_ERROR(changelog_.SetVersion(edge.to, run_id_));
    summary_->reached = edge.to;
    if (observer_ != nullptr) observer_->OnVersion(edge.to);
    return Status::Ok();
  }

  const Plan& plan_;
  Changelog& changelog_;
  const std::string& run_id_;
  ExecutionObserver* observer_;
  internal::StepRunner& runner_;
  ExecutionSummary* summary_;
};

}  // namespace

std::string NewRunId() { return internal::RandomUuid(); }

Result<ExecutionSummary> ExecutePlan(const Plan& plan, Connection& conn, Changelog& changelog,
                                     const std::string& target_db, const std::string& run_id,
                                     ExecutionObserver* observer, const ExecutionGuard& guard) {
  ExecutionSummary summary;
  summary.run_id = run_id;
  summary.reached = plan.current;

  CHIMP_ASSIGN_OR_RETURN(bool exists, DatabaseExists(conn, target_db));
  if (!exists && !plan.steps.empty()) {
    CHIMP_RETURN_IF_ERROR(conn.Execute(std::string(kInternalTag) + "CREATE DATABASE IF NOT EXISTS " +
                                       Connection::QuoteIdentifier(target_db) + " DEFAULT CHARACTER SET utf8mb4")
                              .status()
                              .WithContext("creating the target database '" + target_db + "'"));
  }
  const internal::RunGuard run_guard(guard, conn);
  internal::StepRunner runner(conn, changelog, target_db, run_id, observer, &run_guard);
  CHIMP_RETURN_IF_ERROR(PathRun(plan, changelog, run_id, observer, runner, &summary).Run());
  return summary;
}

}  // namespace chimp
