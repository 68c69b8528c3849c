// ProgressRecord: writes how far a running native step is (the last
// ctx.Progress it reported) into its chimp_changelog row, so that `chimp
// status` in another terminal shows it (issue 14, item 1). Private to core.
//
// On a session of its own, opened the first time there is something to
// write: a native step without DDL runs in one transaction with its row,
// and what the work session writes is invisible to others until the
// commit. The row itself was committed before the step's transaction began
// (exec/step_runner.cpp), and this session's autocommit UPDATE touches only
// its progress columns: the work session locks the row only when it
// finishes it, after the step's code returned, so the two never wait for
// each other (a 1 s lock wait bounds it should they).
//
// At most one write every kEvery, the first kEvery after the step started:
// a step that ends sooner costs nothing. A failed write is logged at debug
// level and writing stops for the run; progress is information, not state:
// no resume reads it.
#ifndef CHIMP_EXEC_PROGRESS_RECORD_HPP_
#define CHIMP_EXEC_PROGRESS_RECORD_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "chimp/connection.hpp"

namespace chimp::internal {

class ProgressRecord {
 public:
  static constexpr std::chrono::seconds kEvery{2};

  // `options`: how to open the session; `changelog_table` the quoted
  // chimp_changelog it writes.
  ProgressRecord(ConnectionOptions options, std::string changelog_table)
      : options_(std::move(options)), table_(std::move(changelog_table)) {}

  // The step whose row is `row_id` starts now. [main-thread]
  void Start(int64_t row_id);
  // The step reported `done` of `total` (0: unknown); written when kEvery
  // passed since the step started or since the last write. [main-thread]
  void Report(uint64_t done, uint64_t total);

 private:
  ConnectionOptions options_;
  std::string table_;
  std::unique_ptr<Connection> conn_;
  bool broken_ = false;
  int64_t row_id_ = 0;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_PROGRESS_RECORD_HPP_
