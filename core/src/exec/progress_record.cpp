#include "exec/progress_record.hpp"

#include "util/log.hpp"

namespace chimp::internal {

void ProgressRecord::Start(int64_t row_id) {
  row_id_ = row_id;
  last_ = std::chrono::steady_clock::now();
}

void ProgressRecord::Report(uint64_t done, uint64_t total) {
  if (broken_ || row_id_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < kEvery) return;
  last_ = now;
  Status written;
  if (conn_ == nullptr) {
    auto opened = Connection::Open(options_);
    if (opened.ok()) {
      conn_ = std::move(opened).value();
      written = conn_->SetSessionVariables("innodb_lock_wait_timeout = 1");
    } else {
      written = opened.status();
    }
  }
  if (written.ok()) {
    written =
        conn_
            ->Execute(std::string(kInternalTag) + "UPDATE " + table_ + " SET progress_done = " + std::to_string(done) +
                      ", progress_total = " + std::to_string(total) +
                      ", progress_at = NOW(6) WHERE id = " + std::to_string(row_id_) + " AND status = 'running'")
            .status();
  }
  if (!written.ok()) {
    broken_ = true;
    Log(LogLevel::kDebug, "progress of changelog row " + std::to_string(row_id_) +
                              " not recorded (status will not show it): " + written.message());
  }
}

}  // namespace chimp::internal
