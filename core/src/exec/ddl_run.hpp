// DdlRun: the statements of one SQL step with DDL, run statement by
// statement (chimp/executor.hpp, doc/recovery.md).
//
// A statement that runs alone (StatementInfo::runs_alone: DDL, CALL, ...)
// is preceded by the write of its pre-image; consecutive other statements
// run in one transaction ("group") that ends with the index update,
// committed before the next lone statement. A failure inside a group rolls
// it back and the index points at its first statement. Between LOCK TABLES
// and UNLOCK TABLES statements run one by one and the index is written
// after UNLOCK TABLES. On resume, statements before resume_from replay only
// if they set session state, and statements whose recorded probe
// fingerprint changed are skipped as done.
//
// One DdlRun runs one step once; its members are the run's state.
#ifndef CHIMP_EXEC_DDL_RUN_HPP_
#define CHIMP_EXEC_DDL_RUN_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "exec/step_context.hpp"
#include "exec/step_row.hpp"
#include "recovery/counters.hpp"
#include "recovery/pre_image.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

class DdlRun {
 public:
  // `row` is the step's changelog row (written by its first write,
  // exec/step_row.hpp); `counters` keeps
  // the AUTO_INCREMENT checkpoint of each group (recovery/counters.hpp),
  // prepared for this step. REQUIRES: the references and `outcome` outlive
  // the run. `carried`: the row was written with the first statement's
  // pre-image by an earlier step's write (StepRow::Carry), so that
  // statement runs with no write of its own.
  DdlRun(const StepContext& step, StatementSource& source, StepRow& row, CounterCheckpoint& counters,
         StepOutcome* outcome, bool carried = false);

  // Runs every statement; fills the outcome. Errors name the statement.
  Status Run();

 private:
  // Statement i_: replayed, skipped as done, run alone or in a group.
  Status RunOne(const ClassifiedStatement& statement);
  // Done by an earlier attempt: runs it again only if it sets session state.
  Status Replay(const ClassifiedStatement& statement);
  // Resume: true when the last attempt's pre-image says it took effect;
  // ends the check at the first that did not.
  Result<bool> TookEffect(const ClassifiedStatement& statement);
  Result<std::string> ProbeNow(const ClassifiedStatement& statement);
  // A statement that runs alone: its pre-image written, then it runs.
  Status RunLone(const ClassifiedStatement& statement);
  // Records the lone statement's pre-image before it runs, or lets the
  // last batch write carry it.
  Status WritePreImage(const ClassifiedStatement& statement);
  // Writes `write` for statement i_: in the open group's closing update, on
  // its own unless it may simply run again, or (`confirm`) as an index
  // update alone.
  Status RecordPreImage(const PreImage& write, bool confirm);
  // After a lone statement ran: records it now or leaves it to the next write.
  Status AfterLone(const ClassifiedStatement& statement);
  // A statement of a group: opens the group when none is open, runs it.
  Status RunInGroup(const ClassifiedStatement& statement);
  // A CALL whose procedure changes only rows: true, it joins the group.
  bool CallRunsInGroup(const ClassifiedStatement& statement);
  // After the last statement: commits an open group with the row, unlocks
  // tables a script left locked, sets statements_done.
  Status Finish();
  // Commits the final group together with the row's closing update.
  Status CommitWithRow();
  // Reads ahead the DDL statements whose pre-images can share the write of
  // the statement at hand; appends their fingerprints to `write` and their
  // objects to `objects`; returns how many joined; gives back what it read.
  int32_t ReadAheadBatch(PreImage* write, std::vector<DdlObject>* objects);

  // Writes the index `done` on its own; nothing is left unrecorded.
  Status RecordIndex(int32_t done);
  // Rolls an open group back; statements_done is its first statement.
  void FailGroup();
  // Ends the group at `done`, with `pending` (the next lone statement's
  // pre-image) in the same update.
  Status EndGroup(int32_t done, const std::string& pending);
  // Commits the group after its closing update (`written`) and the
  // checkpoint's (`last`: the step's last commit); rolls back when any
  // failed.
  Status CommitGroup(Status written, bool last);
  // Best effort: UNLOCK TABLES after a failure between LOCK and UNLOCK.
  void UnlockAfterFailure();

  const StepContext& step_;
  Connection& conn_;
  const PlannedStep& planned_;
  StatementSource& source_;
  StepRow& row_;
  CounterCheckpoint& counters_;
  StepOutcome* outcome_;

  int32_t i_ = 0;  // the statement at hand
  bool in_group_ = false;
  int32_t group_start_ = 0;
  bool row_before_group_ = false;  // the row existed when the group began
  // The objects of the DDL statements whose pre-images the last write
  // carried: until a later write moves the index past them, a statement
  // that runs again on a resume (IF EXISTS, ...) must not touch them, or
  // the probes on resume could no longer tell what ran.
  std::vector<DdlObject> unconfirmed_;
  // After a statement whose pre-image is "unknown" ran, the changelog
  // still names it as the one in flight. The next pre-image write says it
  // is done (it moves the index on); before anything else runs, the index
  // is written on its own. Either way, nothing but read-only probes runs
  // between the statement and the write that records it.
  bool unrecorded_ = false;
  // Between LOCK TABLES and UNLOCK TABLES the session can write no other
  // table (the changelog) and must not open a transaction (that would
  // unlock). A failure in between leaves the index at LOCK TABLES.
  bool tables_locked_ = false;
  // Resume: the fingerprints the last attempt wrote for the statements
  // from resume_from on. Each that took effect is skipped; the first that
  // did not ends the check (they ran in order).
  std::vector<std::string> resume_images_;
  bool checking_ = false;
  // Statements before this index had their pre-images carried by the last
  // write (a batch of DDL statements): they run with no write of their own.
  int32_t batch_end_ = 0;
  // The kind of the pre-image written before the lone statement at hand.
  PreImage::Kind last_pre_image_ = PreImage::Kind::kNone;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_DDL_RUN_HPP_
