// ExecutePlan: the order in which a plan's steps run along the path, and the
// version updates after each edge. One step's run is exec/step_runner.hpp.
#include "chimp/executor.hpp"

#include <optional>
#include <vector>

#include "exec/fingerprint_record.hpp"
#include "exec/progress_record.hpp"
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
          internal::StepRunner& runner, internal::FingerprintRecorder& recorder, ExecutionSummary* summary)
      : plan_(plan),
        changelog_(changelog),
        run_id_(run_id),
        observer_(observer),
        runner_(runner),
        recorder_(recorder),
        summary_(summary) {}

  Status Run() {
    Order();
    size_t last_version = order_.size();
    for (size_t i = 0; i < order_.size(); ++i) {
      if (order_[i].version_after != nullptr) last_version = i;
    }
    for (size_t i = 0; i < order_.size(); ++i) {
      if (order_[i].step != nullptr) CHIMP_RETURN_IF_ERROR(RunStep(*order_[i].step, NextStep(i), Following(i)));
      if (order_[i].version_after != nullptr) {
        CHIMP_RETURN_IF_ERROR(SetVersion(*order_[i].version_after, i == last_version));
      }
    }
    // Steps after the last edge (repeatables, cleanup) change the schema of
    // the version reached: its fingerprint is recorded again.
    if (recorder_.pending()) CHIMP_RETURN_IF_ERROR(recorder_.Record(summary_->reached, summary_->reached, ""));
    return Status::Ok();
  }

 private:
  // One thing to do: a step, then (when set) an edge's version.
  struct Slot {
    const PlannedStep* step = nullptr;
    const Edge* version_after = nullptr;
  };

  // The run order, worked out up front so that each step knows the next
  // one (StepRunner::Run).
  void Order() {
    if (plan_.phase == Phase::kCleanup) {
      for (const PlannedStep& planned : plan_.steps) order_.push_back(Slot{&planned, nullptr});
      return;
    }
    // Before-repeatables run before the first upgrade edge: after a base
    // edge, which creates what they need (planner.hpp).
    bool before_done = false;
    for (const Edge* edge : plan_.path) {
      if (!before_done && !edge->from.empty()) {
        OrderRepeatables(RepeatableWhen::kBefore);
        before_done = true;
      }
      for (const PlannedStep& planned : plan_.steps) {
        if (!planned.repeatable && planned.edge == edge) order_.push_back(Slot{&planned, nullptr});
      }
      order_.push_back(Slot{nullptr, edge});
    }
    if (!before_done) OrderRepeatables(RepeatableWhen::kBefore);
    OrderRepeatables(RepeatableWhen::kAfter);
  }

  void OrderRepeatables(RepeatableWhen when) {
    for (const PlannedStep& planned : plan_.steps) {
      if (planned.repeatable && planned.when == when) order_.push_back(Slot{&planned, nullptr});
    }
  }

  const PlannedStep* NextStep(size_t i) const {
    for (size_t j = i + 1; j < order_.size(); ++j) {
      if (order_[j].step != nullptr) return order_[j].step;
    }
    return nullptr;
  }

  // The steps after slot i up to the next version (the rest of its edge's).
  std::vector<const PlannedStep*> Following(size_t i) const {
    std::vector<const PlannedStep*> steps;
    for (size_t j = i + 1; j < order_.size() && order_[j].step != nullptr; ++j) steps.push_back(order_[j].step);
    return steps;
  }

  Status RunStep(const PlannedStep& planned, const PlannedStep* next,
                 const std::vector<const PlannedStep*>& following) {
    CHIMP_RETURN_IF_ERROR(runner_.Run(planned, next, following));
    if (planned.step->kind != StepKind::kCheck) recorder_.StepRan(*planned.step);
    ++summary_->steps_run;
    return Status::Ok();
  }

  // After an edge's steps: the schemas' fingerprints (checked against the
  // edge's declaration), then the target's version. Recorded first, so
  // that a crash between the two leaves a fingerprint of what the schema
  // is (the resume records it again). Read only after the run's last edge
  // and after an edge that declares them: each read is an
  // information_schema query per schema (5 to 30 ms), which after every
  // edge of a path of small edges cost more than their steps. A run that
  // stops before its last edge leaves steps newer than the newest
  // fingerprint, so drift is not compared until a run finishes
  // (engine/check.hpp, AddDriftChecks).
  Status SetVersion(const Edge& edge, bool last) {
    if (last || !edge.target_fingerprint.empty()) {
      CHIMP_RETURN_IF_ERROR(recorder_.Record(edge.from, edge.to, edge.target_fingerprint));
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
  internal::FingerprintRecorder& recorder_;
  ExecutionSummary* summary_;
  std::vector<Slot> order_;
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
  const internal::RunGuard run_guard(guard, conn, observer);
  // Native steps' progress, for `status` in another session: on the
  // watcher's connection options, when the run has them.
  std::optional<internal::ProgressRecord> record;
  if (guard.watch) record.emplace(guard.watcher, changelog.ChangelogTable());
  internal::StepRunner runner(conn, changelog, target_db, run_id, observer, &run_guard, record ? &*record : nullptr);
  internal::FingerprintRecorder recorder(conn, changelog, target_db, run_id);
  Status ran = PathRun(plan, changelog, run_id, observer, runner, recorder, &summary).Run();
  // A finish still waiting is written; rows written ahead for steps that
  // did not start are deleted (a failure's own error wins). Not once the
  // lock or the server is lost: another run may own the changelog now, and
  // the next run decides those rows by looking.
  Status ended = Status::Ok();
  if (ran.ok() || (ran.code() != StatusCode::kLockTimeout && ran.code() != StatusCode::kUnavailable)) {
    ended = runner.EndRun();
  }
  CHIMP_RETURN_IF_ERROR(ran);
  CHIMP_RETURN_IF_ERROR(ended);
  return summary;
}

}  // namespace chimp
