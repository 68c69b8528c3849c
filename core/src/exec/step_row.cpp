#include "exec/step_row.hpp"

namespace chimp::internal {

Status StepRow::Insert() {
  if (written()) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(id_, changelog_.Insert(entry_));
  return Status::Ok();
}

Status StepRow::SetStatementIndex(int32_t done) {
  if (written()) return changelog_.SetStatementIndex(id_, done);
  entry_.statement_index = done;
  entry_.pending_fingerprint.clear();
  return Insert();
}

Status StepRow::SetPending(int32_t done, const std::string& pending) {
  if (written()) return changelog_.SetPending(id_, done, pending);
  entry_.statement_index = done;
  entry_.pending_fingerprint = pending;
  if (riders_.empty() || rider_ids_ == nullptr) return Insert();
  std::vector<ChangelogEntry> rows;
  rows.reserve(riders_.size() + 1);
  rows.push_back(entry_);
  for (ChangelogEntry& rider : riders_) rows.push_back(std::move(rider));
  riders_.clear();
  CHIMP_ASSIGN_OR_RETURN(std::vector<int64_t> ids, changelog_.InsertAll(rows));
  id_ = ids.front();
  rider_ids_->assign(ids.begin() + 1, ids.end());
  return Status::Ok();
}

Status StepRow::Finish(StepStatus status, int32_t done, const std::string& error, int32_t warning_count,
                       const std::string& warnings) {
  if (written()) return changelog_.Finish(id_, status, done, error, warning_count, warnings);
  ChangelogEntry finished = entry_;
  finished.status = status;
  finished.statement_index = done;
  finished.pending_fingerprint.clear();
  finished.error = error;
  finished.warning_count = warning_count;
  finished.warnings = warnings;
  CHIMP_ASSIGN_OR_RETURN(id_, changelog_.InsertFinished(finished, ElapsedMs()));
  return Status::Ok();
}

Status StepRow::DeferFinish(int32_t done, int32_t warning_count, const std::string& warnings) {
  return changelog_.DeferFinish(id_, done, warning_count, warnings);
}

Status StepRow::SetStatementCount(int32_t count) { return changelog_.SetStatementCount(id_, count); }

int64_t StepRow::ElapsedMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace chimp::internal
