#include "exec/step_context.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "exec/progress_record.hpp"
#include "exec/run_guard.hpp"
#include "plugin/services.hpp"
#include "recovery/fault_points.hpp"
#include "sql/shorten.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"

namespace chimp::internal {

namespace {

constexpr size_t kWarningsKept = 5;

}  // namespace

std::string StepWhere(const PlannedStep& planned) {
  return "step '" + planned.step->id + "' (plugin '" + planned.edge->plugin->file + "', " +
         (planned.repeatable ? std::string("repeatable, ") + RepeatableWhenName(planned.when) + " the path"
                             : "edge " + planned.edge->Name()) +
         ")";
}

std::string SourceName(const PlannedStep& planned) {
  const Step& step = *planned.step;
  if (!step.source.empty()) return step.source;
  return "step '" + step.id + "'";
}

template <typename Send>
Status StepContext::Guarded(Send&& send) const {
  return guard_ != nullptr ? guard_->Run(std::forward<Send>(send)) : send();
}

Status StepContext::Execute(const SqlStatement& statement, int32_t index, StepOutcome* outcome) const {
  ExecInfo info;
  CHIMP_RETURN_IF_ERROR(Guarded([&]() -> Status {
    if (observer_ != nullptr) observer_->OnStatement(planned_, index, statement.text);
    TEST_CrashPoint("before-statement");
    CHIMP_RETURN_IF_ERROR(CheckInterrupt());
    CHIMP_ASSIGN_OR_RETURN(info, conn_.Execute(statement.text));
    return Status::Ok();
  }));
  TEST_CrashPoint("after-statement");
  if (info.warning_count != 0) CHIMP_RETURN_IF_ERROR(KeepWarnings(info.warning_count, index, outcome));
  ReportStatements(index + 1);
  return Status::Ok();
}

void StepContext::ReportStatements(int32_t done) const {
  if (observer_ == nullptr) return;
  StepProgress progress;
  progress.unit = StepProgress::Unit::kStatements;
  progress.done = static_cast<uint64_t>(std::max(done, 0));
  progress.total = static_cast<uint64_t>(std::max(std::max(count_, done), 0));
  observer_->OnProgress(planned_, progress);
}

Status StepContext::CheckInterrupt() const {
  NoteWorkConnection(conn_);
  const int signal = InterruptSignal();
  if (signal == 0) return Status::Ok();
  return Status::StepFailed("interrupted by " + SignalName(signal) + " before this statement (not run)");
}

Status StepContext::KeepWarnings(uint64_t warning_count, int32_t index, StepOutcome* outcome) const {
  outcome->warning_count += static_cast<int32_t>(warning_count);
  size_t kept = 0;
  for (char c : outcome->warnings) kept += c == '\n' ? 1 : 0;
  std::vector<std::string> texts;
  if (kept < kWarningsKept || planned_.step->warnings_fatal) {
    CHIMP_ASSIGN_OR_RETURN(texts, conn_.Warnings(std::max<size_t>(kWarningsKept - std::min(kept, kWarningsKept), 1)));
    for (size_t i = 0; i < texts.size() && kept + i < kWarningsKept; ++i) {
      const std::string text = "statement " + std::to_string(index + 1) + ": " + texts[i];
      outcome->warnings += text + "\n";
      if (observer_ != nullptr) observer_->OnWarning(planned_, text);
    }
  }
  if (planned_.step->warnings_fatal) {
    std::string first = texts.empty() ? std::string() : ": " + texts.front();
    return Status::StepFailed(std::to_string(warning_count) +
                              " warning(s) or note(s), and the step declares warnings fatal" + first);
  }
  return Status::Ok();
}

Status StepContext::RunNative(int64_t row_id) const {
  const Step& step = *planned_.step;
  CHIMP_RETURN_IF_ERROR(CheckInterrupt());
  if (record_ != nullptr) record_->Start(row_id);
  NativeStepOptions options;
  options.progress = [this, &step](uint64_t done, uint64_t total) {
    if (record_ != nullptr) record_->Report(done, total);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "step " + step.id + ": progress " + std::to_string(done) + "/" +
                                (total == 0 ? std::string("?") : std::to_string(total)));
    }
    if (observer_ == nullptr) return;
    StepProgress progress;
    progress.unit = StepProgress::Unit::kUnits;
    progress.done = done;
    progress.total = total;
    observer_->OnProgress(planned_, progress);
  };
  Status s = Guarded([&] { return RunNativeStep(step, *planned_.edge, conn_, options); });
  if (!s.ok()) return s.code() == StatusCode::kUnavailable ? s.WithContext("step '" + step.id + "'") : s;
  return Status::Ok();
}

Status StepContext::Error(const Status& cause, int32_t index, const SqlStatement* statement) const {
  std::string where = StepWhere(planned_);
  if (statement != nullptr) {
    where += " failed at statement " + std::to_string(index + 1) + " of " +
             (count_ > index ? std::to_string(count_) : std::string("?")) + " (" + SourceName(planned_) + ", line " +
             std::to_string(statement->first_line) + ": " + ShortenSql(statement->text) + ")";
  } else {
    where += " failed";
  }
  // A lost lock stays a lock error (retry the run), as a lost server stays
  // unavailable.
  if (cause.code() == StatusCode::kLockTimeout) return cause.WithContext(where);
  Status error = cause;
  constexpr unsigned int kQueryInterrupted = 1317;  // ER_QUERY_INTERRUPTED: KILL QUERY
  if (const int signal = InterruptSignal(); signal != 0 && conn_.LastErrorNumber() == kQueryInterrupted) {
    error = cause.WithContext("interrupted by " + SignalName(signal) + " (the statement was killed on the server)");
  }
  return error.WithContext(where).WithCode(StatusCode::kStepFailed);
}

}  // namespace chimp::internal
