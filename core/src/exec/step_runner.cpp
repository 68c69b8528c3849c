#include "exec/step_runner.hpp"

#include <chrono>

#include "chimp/engine.hpp"
#include "exec/check_run.hpp"
#include "exec/ddl_run.hpp"
#include "exec/online_alter.hpp"
#include "plugin/services.hpp"
#include "recovery/fault_points.hpp"
#include "recovery/pre_image.hpp"
#include "recovery/probe.hpp"
#include "sql/shorten.hpp"

namespace chimp::internal {

namespace {

// ER_BAD_DB_ERROR: "Unknown database".
constexpr uint32_t kErBadDb = 1049;

// At most this many steps' rows share one INSERT (StepRunner::RowsAhead).
constexpr size_t kMaxRowsWrittenTogether = 32;

// The last attempt died while a statement ran whose effect chimp cannot see
// (pre-image "unknown"): only the operator can say whether it took effect.
// No row is written; the interrupted attempt keeps the pre-image.
Status UncertainStatement(const PlannedStep& planned) {
  const Step& step = *planned.step;
  std::string what;
  if (step.kind == StepKind::kNative) {
    what =
        "the native step was interrupted while it ran; it is not declared IDEMPOTENT and may have changed "
        "the schema in part. Check what the step changes (plugin '" +
        planned.edge->plugin->file + "', " + step.description + ")";
  } else {
    std::string text = "?";
    int32_t line = 0;
    auto split = SplitScript(step.sql, step.dialect, SourceName(planned));
    if (split.ok() && planned.resume_from >= 0 && static_cast<size_t>(planned.resume_from) < split->size()) {
      const SqlStatement& statement = (*split)[static_cast<size_t>(planned.resume_from)].statement;
      text = ShortenSql(statement.text);
      line = static_cast<int32_t>(statement.first_line);
    }
    what = "the last attempt was interrupted while statement " + std::to_string(planned.resume_from + 1) + " (" +
           SourceName(planned) + ", line " + std::to_string(line) + ": " + text +
           ") ran, and chimp cannot tell from the schema whether it took effect. Check whether its change is "
           "in the database";
  }
  return Status::FailedPrecondition(StepWhere(planned) + ": " + what + "; then run `chimp repair --statement-done " +
                                    step.id + "` if it took effect or `chimp repair --statement-not-done " + step.id +
                                    "` if it did not, and migrate again (doc/recovery.md)");
}

// The script a step's statements come from: none for native steps and
// checks (a check's query runs whole).
std::string_view ScriptOf(const Step& step) {
  return step.kind == StepKind::kSql ? std::string_view(step.sql) : std::string_view();
}

// True when every statement of `step` leaves the session as it found it
// (StatementInfo::leaves_session_as_is): a SQL step or a check's query, not
// native code, which may set anything.
bool LeavesSessionAsIs(const Step& step) {
  if (step.kind == StepKind::kCheck && step.run == nullptr) return Classify(step.sql).leaves_session_as_is;
  if (step.kind != StepKind::kSql) return false;
  auto split = SplitScriptFollowingLiteralModes(step.sql, step.dialect, step.id);
  if (!split.ok()) return false;
  for (const ClassifiedStatement& s : *split) {
    if (!s.info.leaves_session_as_is) return false;
  }
  return true;
}

}  // namespace

Status StepRunner::Run(const PlannedStep& planned, const PlannedStep* next,
                       std::span<const PlannedStep* const> following) {
  TEST_CrashPoint("step-start");
  if (DecodePreImage(planned.pending_fingerprint).kind == PreImage::Kind::kUnknown) {
    return UncertainStatement(planned);
  }
  following_ = following;
  counters_.Prepare(planned, next);
  StatementSource source(ScriptOf(*planned.step), planned.step->dialect, SourceName(planned));
  const StepContext step(conn_, changelog_, planned, observer_, source.estimated(), guard_, record_);
  if (observer_ != nullptr) observer_->OnStepStart(planned, step.count());
  if (planned.step->kind == StepKind::kSql && planned.resume_from > 0) step.ReportStatements(planned.resume_from);
  const auto started = std::chrono::steady_clock::now();
  const StepOutcome outcome = Dispatch(step, source);
  following_ = {};  // the caller's: valid during this call only
  if (outcome.status.ok() && database_selected_ && LeavesSessionAsIs(*planned.step)) {
    kept_session_ = SessionKey(planned);
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (observer_ != nullptr) {
    observer_->OnStepDone(planned, outcome.status, elapsed.count(), outcome.warning_count);
  }
  return outcome.status;
}

StepOutcome StepRunner::Dispatch(const StepContext& step, StatementSource& source) {
  const PlannedStep& planned = step.planned();
  if (Status entered = EnterStep(planned); !entered.ok()) {
    StepOutcome outcome;
    outcome.status = entered.WithContext(StepWhere(planned) + " failed before its first statement")
                         .WithCode(StatusCode::kStepFailed);
    if (outcome.status.code() != StatusCode::kUnavailable) {
      // A DDL step keeps its resume point and any statement in doubt.
      outcome.keep_pending = planned.pending_fingerprint;
      RecordFailure(step, planned.step->has_ddl ? planned.resume_from : 0, outcome);
    }
    return outcome;
  }
  if (planned.step->kind == StepKind::kCheck) return RunAutocommit(step);
  if (planned.step->has_ddl) return RunStatementByStatement(step, source);
  return RunInTransaction(step, source);
}

// Every step starts from a fresh session state: the session is reset (as a
// new connection), the step's database selected, then the plugin's and the
// step's session statements run. When the last step left the session as
// that set-up made it and this step's set-up is the same, the session is
// already in that state and is kept: three round trips fewer per step.
Status StepRunner::EnterStep(const PlannedStep& planned) {
  const Step& step = *planned.step;
  const std::string key = SessionKey(planned);
  const bool keep = kept_session_ == key;
  kept_session_.reset();
  if (keep) return Status::Ok();
  CHIMP_RETURN_IF_ERROR(conn_.ResetSession().WithContext("resetting the session"));
  const std::string db = step.database.has_value() ? *step.database : target_db_;
  database_selected_ = db.empty();
  if (db.empty()) {
    CHIMP_RETURN_IF_ERROR(LeaveDatabase());
  } else {
    Status used = conn_.Execute(std::string(kInternalTag) + "USE " + Connection::QuoteIdentifier(db)).status();
    database_selected_ = used.ok();
    if (!used.ok()) {
      // A database that does not exist (yet): the step runs without one,
      // as a client started with a missing database would not.
      if (used.server_errno() != kErBadDb) return used;
      CHIMP_RETURN_IF_ERROR(LeaveDatabase());
    }
  }
  CHIMP_RETURN_IF_ERROR(RunSessionSql(planned.edge->plugin->session_sql, "plugin session_sql"));
  return RunSessionSql(step.session_sql, "step session_sql");
}

std::string StepRunner::SessionKey(const PlannedStep& planned) const {
  const Step& step = *planned.step;
  const std::string db = step.database.has_value() ? *step.database : target_db_;
  return db + '\0' + planned.edge->plugin->session_sql + '\0' + step.session_sql;
}

// MariaDB has no "USE nothing": select a scratch database and drop it, which
// leaves the session without a default database.
Status StepRunner::LeaveDatabase() {
  const std::string scratch = Connection::QuoteIdentifier("chimp_nodb_" + std::to_string(conn_.ThreadId()));
  const std::string tag(kInternalTag);
  CHIMP_RETURN_IF_ERROR(conn_.Execute(tag + "CREATE DATABASE IF NOT EXISTS " + scratch).status());
  CHIMP_RETURN_IF_ERROR(conn_.Execute(tag + "USE " + scratch).status());
  return conn_.Execute(tag + "DROP DATABASE " + scratch).status();
}

Status StepRunner::RunSessionSql(const std::string& sql, const char* what) {
  return internal::RunSessionSql(conn_, sql, what);
}

ChangelogEntry StepRunner::NewEntry(const PlannedStep& planned, int32_t statement_count) const {
  const Step& step = *planned.step;
  ChangelogEntry e = MakeEntry(*planned.edge, step, run_id_);
  e.statement_index = planned.resume_from;
  e.statement_count = statement_count;
  // Carried over so that a crash before the pending statement is decided
  // leaves the same question for the next attempt.
  e.pending_fingerprint = planned.pending_fingerprint;
  if (step.kind == StepKind::kNative && step.has_ddl && !step.idempotent) {
    e.pending_fingerprint = EncodePreImage(PreImage{PreImage::Kind::kUnknown, {}});
  }
  return e;
}

// Checks change nothing: run them, then record the verdict.
StepOutcome StepRunner::RunAutocommit(const StepContext& step) {
  StepOutcome outcome;
  const PlannedStep& planned = step.planned();
  // Passed before the first write of the run (migrate's pre-flight).
  if (!planned.preflight_passed) outcome.status = RunCheck(conn_, *planned.step, *planned.edge);
  if (!outcome.status.ok()) {
    RecordFailure(step, 0, outcome);
    return outcome;
  }
  StepRow row(changelog_, NewEntry(planned, 0));
  outcome.status = row.Finish(StepStatus::kSuccess, 0, "", 0, "");
  return outcome;
}

// No DDL: the statements and the changelog row commit together, or neither
// does; a failure is recorded afterwards, outside the rollback.
StepOutcome StepRunner::RunInTransaction(const StepContext& step, StatementSource& source) {
  StepOutcome outcome;
  StepRow row(changelog_, NewEntry(step.planned(), step.count()));
  outcome.status = RunTransaction(step, source, row, &outcome);
  if (!outcome.status.ok()) {
    (void)conn_.Rollback();
    counters_.RolledBack();
    // A native step's row was committed before the transaction; a SQL
    // step's, if written, went with the rollback.
    const bool committed = step.planned().step->kind == StepKind::kNative;
    RecordFailure(step, /*statements_done=*/0, outcome, committed ? &row : nullptr);
  } else {
    FixCount(row, step.count(), outcome);
  }
  return outcome;
}

Status StepRunner::RunTransaction(const StepContext& step, StatementSource& source, StepRow& row,
                                  StepOutcome* outcome) {
  const bool native = step.planned().step->kind == StepKind::kNative;
  if (native) {
    // Committed before the transaction (a deferred finish rides along), so
    // that another session sees the step while its code runs: `status`. A
    // death inside the transaction leaves it `running`, closed as
    // interrupted by the next run, which runs the step again: what the
    // transaction did was rolled back (doc/recovery.md).
    CHIMP_RETURN_IF_ERROR(row.Insert());
  }
  // The counters the step's inserts take must be known if it dies. A
  // waiting finish is written with the checkpoint, in its commit, or on
  // its own before the transaction begins.
  CHIMP_RETURN_IF_ERROR(counters_.Arm(0));
  CHIMP_RETURN_IF_ERROR(changelog_.FlushFinish());
  CHIMP_RETURN_IF_ERROR(conn_.Begin());
  if (native) {
    CHIMP_RETURN_IF_ERROR(step.RunNative(row.id()));
  } else {
    for (int32_t i = 0;; ++i) {
      auto next = source.Next();
      if (!next.ok()) return step.Error(next.status(), i, nullptr);
      if (!next->has_value()) break;
      const SqlStatement& statement = (*next)->statement;
      outcome->statements_seen = i + 1;
      Status s = step.Execute(statement, i, outcome);
      if (!s.ok()) return step.Error(s, i, &statement);
      outcome->statements_done = i + 1;
      source.Follow(conn_.Flags());
    }
  }
  CHIMP_RETURN_IF_ERROR(
      row.Finish(StepStatus::kSuccess, outcome->statements_done, "", outcome->warning_count, outcome->warnings));
  CHIMP_RETURN_IF_ERROR(counters_.Leave(/*last=*/true));
  TEST_CrashPoint("before-commit");
  CHIMP_RETURN_IF_ERROR(conn_.Commit());
  counters_.Committed();
  TEST_CrashPoint("after-commit");
  return Status::Ok();
}

// DDL: the row is written `running` first, then the statements run one by
// one (exec/ddl_run.hpp) or the native step runs; the row is finished with
// what they left.
StepOutcome StepRunner::RunStatementByStatement(const StepContext& step, StatementSource& source) {
  StepOutcome outcome;
  const PlannedStep& planned = step.planned();
  const auto carried = carried_.find(&planned);
  const bool was_carried = carried != carried_.end();
  StepRow row = was_carried ? StepRow(changelog_, NewEntry(planned, step.count()), carried->second)
                            : StepRow(changelog_, NewEntry(planned, step.count()));
  if (was_carried) carried_.erase(carried);
  if (planned.step->kind == StepKind::kNative) {
    outcome.status = row.Insert();
    if (outcome.status.ok()) outcome.status = step.RunNative(row.id());
  } else if (step.planned().step->online) {
    outcome.status = OnlineAlterRun(step, source, row, &outcome).Run();
  } else {
    std::vector<const PlannedStep*> ahead;
    std::vector<int64_t> ahead_ids;
    if (!was_carried) {
      auto riders = RowsAhead(planned, &ahead);
      if (riders.ok() && !riders->empty()) row.Carry(std::move(riders).value(), &ahead_ids);
    }
    outcome.status = DdlRun(step, source, row, counters_, &outcome, was_carried).Run();
    for (size_t i = 0; i < ahead_ids.size() && i < ahead.size(); ++i) carried_[ahead[i]] = ahead_ids[i];
  }
  if (!outcome.finished && FinishMayWait(step.planned(), outcome)) {
    outcome.status = row.DeferFinish(outcome.statements_done, outcome.warning_count, outcome.warnings);
  } else if (!outcome.finished) {
    Status finish =
        row.Finish(outcome.status.ok() ? StepStatus::kSuccess : StepStatus::kFailed, outcome.statements_done,
                   outcome.status.message(), outcome.warning_count, outcome.warnings);
    if (outcome.status.ok()) outcome.status = finish;
  }
  if (!outcome.keep_pending.empty() && row.written()) {
    (void)row.SetPending(outcome.statements_done, outcome.keep_pending);
  }
  FixCount(row, step.count(), outcome);
  return outcome;
}

// A SQL step that succeeded and whose statements a resume would all decide
// by looking need not write its success at once: the next write carries
// it (the next step's first write, or the edge's version, in one commit),
// saving a commit per step (doc/recovery.md, "Deferred finish"); EndRun
// writes what is left.
bool StepRunner::FinishMayWait(const PlannedStep& planned, const StepOutcome& outcome) const {
  return outcome.status.ok() && outcome.finish_may_wait && outcome.keep_pending.empty() &&
         planned.step->kind == StepKind::kSql;
}

std::optional<ClassifiedStatement> StepRunner::SharesRowWrite(const PlannedStep& planned) const {
  const Step& step = *planned.step;
  if (step.kind != StepKind::kSql || !step.has_ddl || step.online || planned.repeatable || planned.resume_from != 0 ||
      !planned.pending_fingerprint.empty()) {
    return std::nullopt;
  }
  auto split = SplitScriptFollowingLiteralModes(step.sql, step.dialect, step.id);
  if (!split.ok() || split->size() != 1) return std::nullopt;
  const StatementInfo& info = split->front().info;
  if (!info.runs_alone || info.called_routine || info.ddl.idempotent || !info.ddl.probeable ||
      !info.probe_holds_across_others || info.first_keyword == "LOCK") {
    return std::nullopt;
  }
  return std::move(split->front());
}

Result<std::vector<ChangelogEntry>> StepRunner::RowsAhead(const PlannedStep& planned,
                                                          std::vector<const PlannedStep*>* steps) {
  std::vector<ChangelogEntry> rows;
  if (following_.empty()) return rows;
  std::optional<ClassifiedStatement> lead = SharesRowWrite(planned);
  if (!lead) return rows;
  std::vector<DdlObject> objects = lead->info.ddl.objects;
  const std::string key = SessionKey(planned);
  std::optional<std::string> database;  // the session's, the same for all (same set-up)
  for (const PlannedStep* f : following_) {
    if (rows.size() + 1 >= kMaxRowsWrittenTogether || f->edge != planned.edge || SessionKey(*f) != key) break;
    std::optional<ClassifiedStatement> s = SharesRowWrite(*f);
    if (!s || Overlap(objects, s->info.ddl.objects)) break;
    auto image = ProbeFingerprint(conn_, s->info.ddl, &database);
    if (!image.ok()) break;  // the step probes again on its own
    ChangelogEntry e = NewEntry(*f, 1);
    e.statement_index = 0;
    e.pending_fingerprint = EncodePreImage(PreImage{PreImage::Kind::kProbe, {std::move(image).value()}});
    rows.push_back(std::move(e));
    steps->push_back(f);
    objects.insert(objects.end(), s->info.ddl.objects.begin(), s->info.ddl.objects.end());
  }
  return rows;
}

Status StepRunner::EndRun() {
  Status s = changelog_.FlushFinish();
  std::vector<int64_t> ids;
  for (const auto& [planned, id] : carried_) ids.push_back(id);
  carried_.clear();
  if (!ids.empty()) {
    Status dropped = changelog_.DeleteRows(ids);
    if (s.ok()) s = dropped;
  }
  return s;
}

void StepRunner::RecordFailure(const StepContext& step, int32_t statements_done, const StepOutcome& outcome,
                               StepRow* written) {
  StepRow fresh(changelog_, NewEntry(step.planned(), step.count()));
  StepRow& row = written != nullptr && written->written() ? *written : fresh;
  Status finished = row.Finish(StepStatus::kFailed, statements_done, outcome.status.message(), outcome.warning_count,
                               outcome.warnings);
  if (finished.ok() && !outcome.keep_pending.empty()) (void)row.SetPending(statements_done, outcome.keep_pending);
}

// Corrects the row's statement_count when the split while executing found
// another number than the split up front (sql_mode changes).
void StepRunner::FixCount(StepRow& row, int32_t estimated, const StepOutcome& outcome) {
  if (!outcome.status.ok() || outcome.statements_seen == estimated || !row.written()) return;
  (void)row.SetStatementCount(outcome.statements_seen);
}

}  // namespace chimp::internal
