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
#include "recovery/pre_image.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

class DdlRun {
 public:
  // `row` is the step's changelog row, written `running`. REQUIRES: the
  // references and `outcome` outlive the run.
  DdlRun(const StepContext& step, StatementSource& source, int64_t row, StepOutcome* outcome);

  // Runs every statement; fills the outcome. Errors name the statement.
  Status Run();

 private:
  Status RunOne(const ClassifiedStatement& statement);
  Status Replay(const ClassifiedStatement& statement);
  Result<bool> TookEffect(const ClassifiedStatement& statement);
  Status RunLone(const ClassifiedStatement& statement);
  Status WritePreImage(const ClassifiedStatement& statement);
  Status RecordPreImage(const PreImage& write, bool confirm);
  Status AfterLone(const ClassifiedStatement& statement);
  Status RunInGroup(const ClassifiedStatement& statement);
  Status Finish();
  Status CommitWithRow();
  int32_t ReadAheadBatch(PreImage* write, std::vector<DdlObject>* objects);

  Status RecordIndex(int32_t done);
  void FailGroup();
  Status EndGroup(int32_t done, const std::string& pending);
  Status CommitGroup(Status written);
  void UnlockAfterFailure();

  const StepContext& step_;
  Connection& conn_;
  Changelog& changelog_;
  const PlannedStep& planned_;
  StatementSource& source_;
  const int64_t row_;
  StepOutcome* outcome_;

  int32_t i_ = 0;  // the statement at hand
  bool in_group_ = false;
  int32_t group_start_ = 0;
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
