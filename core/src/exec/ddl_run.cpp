#include "exec/ddl_run.hpp"

#include "recovery/fault_points.hpp"
#include "recovery/probe.hpp"
#include "recovery/routine_body.hpp"

namespace chimp::internal {

namespace {

// At most this many DDL statements share one pre-image write.
constexpr size_t kMaxBatch = 32;

}  // namespace

DdlRun::DdlRun(const StepContext& step, StatementSource& source, StepRow& row, CounterCheckpoint& counters,
               StepOutcome* outcome, bool carried)
    : step_(step),
      conn_(step.conn()),
      planned_(step.planned()),
      source_(source),
      row_(row),
      counters_(counters),
      outcome_(outcome),
      batch_end_(carried ? 1 : 0) {}

Status DdlRun::Run() {
  outcome_->statements_done = planned_.resume_from;
  PreImage pending = DecodePreImage(planned_.pending_fingerprint);
  if (pending.is_probe()) resume_images_ = std::move(pending.fingerprints);
  checking_ = !resume_images_.empty();
  for (;; ++i_) {
    auto next = source_.Next();
    if (!next.ok()) {
      UnlockAfterFailure();
      FailGroup();
      return step_.Error(next.status(), i_, nullptr);
    }
    if (!next->has_value()) break;
    outcome_->statements_seen = i_ + 1;
    CHIMP_RETURN_IF_ERROR(RunOne(**next));
  }
  return Finish();
}

Status DdlRun::RunOne(const ClassifiedStatement& statement) {
  if (i_ < planned_.resume_from) return Replay(statement);
  if (checking_) {
    CHIMP_ASSIGN_OR_RETURN(bool took_effect, TookEffect(statement));
    if (took_effect) return Status::Ok();
  }
  if (tables_locked_ || (statement.info.runs_alone && !CallRunsInGroup(statement))) return RunLone(statement);
  return RunInGroup(statement);
}

// A CALL of a procedure whose body changes only rows runs in the group: a
// kill rolls it back with the group (recovery/routine_body.hpp). A
// re-runnable one needs no group; a body chimp cannot read runs alone.
bool DdlRun::CallRunsInGroup(const ClassifiedStatement& statement) {
  const StatementInfo& info = statement.info;
  if (!info.called_routine || info.commits_implicitly ||
      IsRerunnableCall(info, planned_.edge->plugin->rerunnable_calls)) {
    return false;
  }
  auto rows_only = CallChangesOnlyRows(conn_, *info.called_routine);
  return rows_only.ok() && *rows_only;
}

// Done by an earlier attempt, in another session: replay only what set this
// session's state (USE, SET sql_mode, SET @v), which the rest of the script
// may rely on and the splitter follows.
Status DdlRun::Replay(const ClassifiedStatement& statement) {
  if (!statement.info.replays_on_resume) return Status::Ok();
  Status s = conn_.Execute(statement.statement.text).status();
  if (!s.ok()) return step_.Error(s, i_, &statement.statement);
  source_.Follow(conn_.Flags());
  return Status::Ok();
}

// The last attempt may have died with this statement in flight: the objects
// it names tell whether it took effect.
Result<bool> DdlRun::TookEffect(const ClassifiedStatement& statement) {
  const size_t k = static_cast<size_t>(i_ - planned_.resume_from);
  if (k < resume_images_.size()) {
    auto now = ProbeNow(statement);
    if (!now.ok()) {
      outcome_->keep_pending = planned_.pending_fingerprint;
      return step_.Error(now.status(), i_, &statement.statement);
    }
    if (*now != resume_images_[k]) {
      outcome_->statements_done = i_ + 1;
      return true;
    }
  }
  checking_ = false;
  if (i_ > planned_.resume_from) CHIMP_RETURN_IF_ERROR(RecordIndex(i_));
  return false;
}

// The fingerprint of what `statement` names now, as its pre-image took it.
Result<std::string> DdlRun::ProbeNow(const ClassifiedStatement& statement) {
  CHIMP_ASSIGN_OR_RETURN(DdlShape shape, ProbeShape(conn_, statement));
  if (!shape.probeable) {
    return Status::Internal("statement " + std::to_string(i_ + 1) +
                            " has a recorded pre-image but names no object to probe");
  }
  return ProbeFingerprint(conn_, shape);
}

Status DdlRun::RunLone(const ClassifiedStatement& statement) {
  last_pre_image_ = PreImage::Kind::kNone;
  if (!tables_locked_) CHIMP_RETURN_IF_ERROR(WritePreImage(statement));
  Status s = step_.Execute(statement.statement, i_, outcome_);
  if (!s.ok()) {
    UnlockAfterFailure();
    return step_.Error(s, i_, &statement.statement);
  }
  source_.Follow(conn_.Flags());
  return AfterLone(statement);
}

Status DdlRun::WritePreImage(const ClassifiedStatement& statement) {
  if (i_ < batch_end_) {
    last_pre_image_ = PreImage::Kind::kProbe;  // carried by the batch's write
    return Status::Ok();
  }
  const StatementInfo& info = statement.info;
  const std::vector<std::string>& rerunnable_calls = planned_.edge->plugin->rerunnable_calls;
  std::vector<DdlObject> objects;
  auto pre = TakePreImage(conn_, statement, rerunnable_calls, &objects);
  if (!pre.ok()) {
    FailGroup();
    return step_.Error(pre.status(), i_, &statement.statement);
  }
  last_pre_image_ = pre->kind;
  PreImage write = *pre;
  if (write.is_probe() && info.probe_holds_across_others) {
    batch_end_ = i_ + 1 + ReadAheadBatch(&write, &objects);
  }
  // A statement that may simply run again ("idempotent": IF EXISTS, OR
  // REPLACE, SET, LOCK ...) needs no write of its own: if the run dies, the
  // resume starts at the last recorded statement and runs it again with the
  // rest (doc/recovery.md). A re-runnable CALL may touch anything.
  const bool may_touch_anything = IsRerunnableCall(info, rerunnable_calls);
  const bool confirm = write.kind == PreImage::Kind::kIdempotent &&
                       (unrecorded_ || Overlap(unconfirmed_, objects) || (may_touch_anything && !unconfirmed_.empty()));
  CHIMP_RETURN_IF_ERROR(RecordPreImage(write, confirm));
  if (write.is_probe()) unconfirmed_ = std::move(objects);
  outcome_->statements_done = i_;
  return Status::Ok();
}

// Writes `write` for statement i_: with the group's closing update when a
// group is open; on its own unless the statement may simply run again; an
// index update alone when `confirm` (a re-runnable statement that must not
// run before what ran is recorded).
Status DdlRun::RecordPreImage(const PreImage& write, bool confirm) {
  const bool rerunnable = write.kind == PreImage::Kind::kIdempotent;
  if (in_group_) {
    CHIMP_RETURN_IF_ERROR(EndGroup(i_, rerunnable ? "" : EncodePreImage(write)));
    TEST_CrashPoint("after-index");
  } else if (!rerunnable) {
    CHIMP_RETURN_IF_ERROR(row_.SetPending(i_, EncodePreImage(write)));
    TEST_CrashPoint("after-index");
    unrecorded_ = false;
  } else if (confirm) {
    CHIMP_RETURN_IF_ERROR(RecordIndex(i_));
  }
  if (!rerunnable && !write.is_probe()) unconfirmed_.clear();
  return Status::Ok();
}

// The index need not advance after a statement whose pre-image is a probe
// fingerprint (the probe tells on resume that it took effect) or one that
// may run again: that saves a commit per DDL statement. An "unknown" one is
// recorded by the next write, UNLOCK TABLES ending a locked run at once.
Status DdlRun::AfterLone(const ClassifiedStatement& statement) {
  const bool was_locked = tables_locked_;
  if (statement.info.first_keyword == "LOCK") tables_locked_ = true;
  if (statement.info.first_keyword == "UNLOCK") tables_locked_ = false;
  if (tables_locked_) return Status::Ok();
  if (was_locked) {
    CHIMP_RETURN_IF_ERROR(RecordIndex(i_ + 1));
  } else if (last_pre_image_ == PreImage::Kind::kUnknown) {
    unrecorded_ = true;
  }
  outcome_->statements_done = i_ + 1;
  return Status::Ok();
}

Status DdlRun::RunInGroup(const ClassifiedStatement& statement) {
  if (!in_group_) {
    if (unrecorded_) CHIMP_RETURN_IF_ERROR(RecordIndex(i_));
    // The counters the group's inserts take must be known if it dies (a
    // waiting finish rides with the checkpoint's write).
    CHIMP_RETURN_IF_ERROR(counters_.Arm(i_));
    CHIMP_RETURN_IF_ERROR(step_.changelog().FlushFinish());
    CHIMP_RETURN_IF_ERROR(conn_.Begin());
    in_group_ = true;
    group_start_ = i_;
    row_before_group_ = row_.written();
  }
  Status s = step_.Execute(statement.statement, i_, outcome_);
  if (!s.ok()) {
    FailGroup();
    return step_.Error(s, i_, &statement.statement);
  }
  const SessionFlags flags = conn_.Flags();
  source_.Follow(flags);
  if (!flags.in_transaction) {
    // Something committed that runs_alone did not foresee: what ran is
    // permanent, so the index must say so at once.
    in_group_ = false;
    CHIMP_RETURN_IF_ERROR(RecordIndex(i_ + 1));
    CHIMP_RETURN_IF_ERROR(counters_.Clear());
    outcome_->statements_done = i_ + 1;
  }
  return Status::Ok();
}

Status DdlRun::Finish() {
  if (in_group_) CHIMP_RETURN_IF_ERROR(CommitWithRow());
  if (tables_locked_) {
    // The script ended with its tables locked; the client would keep them
    // until it disconnects.
    CHIMP_RETURN_IF_ERROR(conn_.Execute(std::string(kInternalTag) + "UNLOCK TABLES").status());
    CHIMP_RETURN_IF_ERROR(row_.SetStatementIndex(i_));
  }
  outcome_->statements_done = i_;
  outcome_->finish_may_wait = !unrecorded_ && row_.written();
  return Status::Ok();
}

// The step ends with a group: finishing the row is its closing update, and
// one commit makes both permanent.
Status DdlRun::CommitWithRow() {
  CHIMP_RETURN_IF_ERROR(
      CommitGroup(row_.Finish(StepStatus::kSuccess, i_, "", outcome_->warning_count, outcome_->warnings), true));
  outcome_->finished = true;
  return Status::Ok();
}

// Reads ahead the DDL statements that follow a probed one and can share its
// pre-image write: each runs alone, names all it changes, touches no object
// of the others, and is probed now, before the first of them runs. Appends
// their fingerprints to `write` and their objects to `objects`; returns how
// many joined. What was read is given back to the source.
int32_t DdlRun::ReadAheadBatch(PreImage* write, std::vector<DdlObject>* objects) {
  std::vector<ClassifiedStatement> ahead;
  int32_t joined = 0;
  while (static_cast<size_t>(joined) + 1 < kMaxBatch) {
    auto next = source_.Next();
    if (!next.ok()) {
      source_.PutBack(next.status());
      break;
    }
    if (!next->has_value()) break;
    ahead.push_back(std::move(**next));
    const StatementInfo& candidate = ahead.back().info;
    if (!candidate.runs_alone || candidate.ddl.idempotent || !candidate.probe_holds_across_others ||
        Overlap(*objects, candidate.ddl.objects)) {
      break;
    }
    auto image = ProbeFingerprint(conn_, candidate.ddl);
    if (!image.ok()) break;  // the statement probes again on its own
    write->fingerprints.push_back(std::move(*image));
    objects->insert(objects->end(), candidate.ddl.objects.begin(), candidate.ddl.objects.end());
    ++joined;
  }
  source_.PutBack(std::move(ahead));
  return joined;
}

Status DdlRun::RecordIndex(int32_t done) {
  CHIMP_RETURN_IF_ERROR(row_.SetStatementIndex(done));
  TEST_CrashPoint("after-index");
  unrecorded_ = false;
  unconfirmed_.clear();
  return Status::Ok();
}

void DdlRun::FailGroup() {
  if (!in_group_) return;
  (void)conn_.Rollback();
  counters_.RolledBack();
  if (!row_before_group_) row_.Unwrite();  // its INSERT was in the group
  in_group_ = false;
  outcome_->statements_done = group_start_;
}

// Ends the group at `done`; `pending` is the pre-image of statement `done`
// when a lone statement follows, written in the same update.
Status DdlRun::EndGroup(int32_t done, const std::string& pending) {
  CHIMP_RETURN_IF_ERROR(
      CommitGroup(pending.empty() ? row_.SetStatementIndex(done) : row_.SetPending(done, pending), false));
  in_group_ = false;
  unconfirmed_.clear();
  outcome_->statements_done = done;
  return Status::Ok();
}

// Commits the group after its closing update, whose result is `written`,
// and the checkpoint's, in the same commit; rolls the group back when any
// failed.
Status DdlRun::CommitGroup(Status written, bool last) {
  if (written.ok()) written = counters_.Leave(last);
  if (written.ok()) {
    TEST_CrashPoint("before-commit");
    written = conn_.Commit();
    if (written.ok()) {
      counters_.Committed();
      TEST_CrashPoint("after-commit");
    }
  }
  if (!written.ok()) {
    FailGroup();
    return written;
  }
  return Status::Ok();
}

void DdlRun::UnlockAfterFailure() {
  if (tables_locked_) (void)conn_.Execute(std::string(kInternalTag) + "UNLOCK TABLES");
  tables_locked_ = false;
}

}  // namespace chimp::internal
