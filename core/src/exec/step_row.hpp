// StepRow: one attempt's chimp_changelog row, written by the attempt's
// first write rather than by an INSERT of its own (doc/recovery.md, "What
// is written, and when").
//
// A row that says `running` only matters once something the step did is
// durable: a resume reads the last attempt's statement_index and pre-image,
// and an attempt that dies before its first write did nothing a resume
// must know of (every statement it ran may run again: it had no pre-image
// to write). So the first SetPending, SetStatementIndex or Finish inserts
// the row with what it records, saving a round trip and a commit per step:
// inside a step's transaction the row is invisible until the commit anyway.
// Native steps insert at once (Insert), committed before their code runs,
// also those that run in a transaction: their code may run for long, and
// `status` in another session shows the running row and its progress
// (exec/progress_record.hpp).
//
// REQUIRES: `changelog` outlives the row; every write runs on the
// changelog's connection as it is (inside an open transaction if any).
// [main-thread]
#ifndef CHIMP_EXEC_STEP_ROW_HPP_
#define CHIMP_EXEC_STEP_ROW_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"

namespace chimp::internal {

class StepRow {
 public:
  // `entry` is the row as it would be inserted `running` now.
  StepRow(Changelog& changelog, ChangelogEntry entry)
      : changelog_(changelog), entry_(std::move(entry)), started_(std::chrono::steady_clock::now()) {}
  // The row `id`, which an earlier step's first write inserted `running`
  // with its first statement's pre-image (Carry).
  StepRow(Changelog& changelog, ChangelogEntry entry, int64_t id)
      : changelog_(changelog), entry_(std::move(entry)), started_(std::chrono::steady_clock::now()), id_(id) {}

  // The rows of steps that follow, each `running` with its pre-image,
  // to insert in the same statement as this row when its first write is
  // a pre-image (SetPending); `*ids` then gets their ids, in order
  // (doc/recovery.md, "Steps written together"). Any other first write
  // inserts this row alone and leaves `*ids` empty.
  void Carry(std::vector<ChangelogEntry> riders, std::vector<int64_t>* ids) {
    riders_ = std::move(riders);
    rider_ids_ = ids;
  }

  // Inserts the row `running` now, unless it is already.
  Status Insert();
  // `done` statements are done and nothing is in doubt.
  Status SetStatementIndex(int32_t done);
  // `done` statements are done and statement `done` is about to run with
  // the pre-image `pending`.
  Status SetPending(int32_t done, const std::string& pending);
  // The attempt ended with `status`.
  Status Finish(StepStatus status, int32_t done, const std::string& error, int32_t warning_count,
                const std::string& warnings);
  // Success after `done` statements, written by the changelog's next write
  // (Changelog::DeferFinish). REQUIRES: written().
  Status DeferFinish(int32_t done, int32_t warning_count, const std::string& warnings);
  // Corrects statement_count. REQUIRES: written().
  Status SetStatementCount(int32_t count);

  bool written() const { return id_ != 0; }
  // The row's id; 0 until written.
  int64_t id() const { return id_; }
  // The transaction the row was first written in was rolled back: the row
  // does not exist, the next write inserts it.
  void Unwrite() { id_ = 0; }

 private:
  int64_t ElapsedMs() const;

  Changelog& changelog_;
  ChangelogEntry entry_;
  const std::chrono::steady_clock::time_point started_;
  int64_t id_ = 0;
  std::vector<ChangelogEntry> riders_;
  std::vector<int64_t>* rider_ids_ = nullptr;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_STEP_ROW_HPP_
