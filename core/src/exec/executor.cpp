#include "chimp/executor.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>

#include "chimp/engine.hpp"
#include "chimp/sql_splitter.hpp"
#include "exec/ddl_probe.hpp"
#include "exec/fault_injection.hpp"
#include "exec/session.hpp"
#include "plugin/services.hpp"

namespace chimp {

namespace {

using internal::TEST_CrashPoint;

constexpr size_t kWarningsKept = 5;
// ER_BAD_DB_ERROR: "Unknown database".
constexpr uint32_t kErBadDb = 1049;

// Pre-image markers (ChangelogEntry::pending_fingerprint, doc/recovery.md).
constexpr const char* kPendingIdempotent = "idempotent";
constexpr const char* kPendingUnknown = "unknown";
// At most this many DDL statements share one pre-image write.
constexpr size_t kMaxBatch = 32;

bool IsProbeImage(std::string_view image) { return image.rfind("sha256:", 0) == 0; }

// The fingerprints of a pre-image write that covers several statements,
// separated by blanks ("sha256:<a> sha256:<b> ..."); one for a lone one.
std::vector<std::string> SplitImages(std::string_view images) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < images.size()) {
    size_t end = images.find(' ', at);
    if (end == std::string_view::npos) end = images.size();
    if (end > at) out.emplace_back(images.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// What one step left behind, for its changelog row.
struct StepOutcome {
  Status status;
  int32_t statements_done = 0;
  int32_t statements_seen = 0;  // statements the splitter returned
  int32_t warning_count = 0;
  std::string warnings;  // the first kWarningsKept texts, one per line
  // A pre-image still undecided when the step failed, kept in its row.
  std::string keep_pending;
  // The row was finished in the same transaction as the step's last
  // statements.
  bool finished = false;
};

// The first keyword of a statement, upper-cased, after blanks and plain
// comments ("/*! */" counts as text).
std::string FirstKeyword(std::string_view text, size_t* after = nullptr) {
  size_t i = 0;
  for (;;) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (text.substr(i, 2) == "/*" && text.substr(i, 3) != "/*!" && text.substr(i, 4) != "/*M!") {
      size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) return "";
      i = end + 2;
      continue;
    }
    break;
  }
  std::string word;
  while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    ++i;
  }
  if (after != nullptr) *after = i;
  return word;
}

bool ContainsNoCase(std::string_view text, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(text[i + j])) == std::tolower(static_cast<unsigned char>(needle[j]))) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

// Statements that run alone in a DDL step, outside a group of DML: those
// that commit implicitly, those that end or open a transaction themselves,
// and those that run other statements (which may commit: a CALL of a
// procedure doing ALTER TABLE).
bool RunsAlone(const SqlStatement& statement) {
  if (statement.kind == SqlStatement::Kind::kUse) return false;
  if (CausesImplicitCommit(statement.text)) return true;
  const std::string kw = FirstKeyword(statement.text);
  if (kw == "COMMIT" || kw == "ROLLBACK" || kw == "XA" || kw == "SAVEPOINT" || kw == "RELEASE" ||
      kw == "CALL" || kw == "EXECUTE" || kw == "BEGIN" || kw == "START" || kw == "LOCK" || kw == "UNLOCK") {
    return true;
  }
  return kw == "SET" && ContainsNoCase(statement.text, "autocommit");
}

// A statement skipped on resume that is run again: it only sets the
// session's state (USE, or SET of session or user variables).
bool ReplaysOnResume(const SqlStatement& statement) {
  if (statement.kind == SqlStatement::Kind::kUse) return true;
  size_t after = 0;
  if (FirstKeyword(statement.text, &after) != "SET") return false;
  for (const char* word : {"GLOBAL", "PASSWORD", "ROLE", "AUTOCOMMIT", "TRANSACTION", "STATEMENT", "SELECT"}) {
    if (ContainsNoCase(statement.text, word)) return false;
  }
  return true;
}

// The statements of a SQL step: the client dialect splits as it executes,
// following the session's NO_BACKSLASH_ESCAPES and ANSI_QUOTES; the
// ScriptRunner dialect does not read quotes and splits up front.
class StatementSource {
 public:
  StatementSource(const Step& step, std::string source_name) {
    if (step.kind != StepKind::kSql) return;
    if (step.dialect == SqlDialect::kScriptRunner) {
      auto split = SplitScriptRunner(step.sql, source_name);
      if (split.ok()) {
        fixed_ = std::move(split).value();
      } else {
        error_ = split.status();
      }
      estimated_ = static_cast<int32_t>(fixed_.size());
    } else {
      // The count with the default modes: exact unless the script changes
      // sql_mode in a way that moves a boundary; the row is corrected at
      // the end when it differs.
      auto split = SplitSql(step.sql, source_name);
      estimated_ = split.ok() ? static_cast<int32_t>(split->size()) : 0;
      splitter_.emplace(step.sql, std::move(source_name));
    }
  }

  Result<std::optional<SqlStatement>> Next() {
    if (!queued_.empty()) {
      SqlStatement next = std::move(queued_.front());
      queued_.pop_front();
      return std::optional<SqlStatement>(std::move(next));
    }
    if (!error_.ok()) return error_;
    if (splitter_.has_value()) return splitter_->Next();
    if (next_ >= fixed_.size()) return std::optional<SqlStatement>();
    return std::optional<SqlStatement>(fixed_[next_++]);
  }

  void Follow(const SessionFlags& flags) {
    if (!splitter_.has_value()) return;
    splitter_->SetNoBackslashEscapes(flags.no_backslash_escapes);
    splitter_->SetAnsiQuotes(flags.ansi_quotes);
  }

  // Gives back statements read ahead, to be returned next in this order.
  // Only statements that change no session state may be read ahead: the
  // split of what follows them must not depend on their running.
  void PutBack(std::vector<SqlStatement> statements) {
    queued_.insert(queued_.begin(), std::make_move_iterator(statements.begin()),
                   std::make_move_iterator(statements.end()));
  }
  // A split error met while reading ahead: returned after the queue.
  void PutBack(Status error) { error_ = std::move(error); }

  int32_t estimated() const { return estimated_; }

 private:
  std::deque<SqlStatement> queued_;
  std::optional<SqlSplitter> splitter_;
  std::vector<SqlStatement> fixed_;
  size_t next_ = 0;
  Status error_;
  int32_t estimated_ = 0;
};

class StepRunner {
 public:
  StepRunner(Connection& conn, Changelog& changelog, const std::string& target_db, const std::string& run_id,
             ExecutionObserver* observer)
      : conn_(conn), changelog_(changelog), target_db_(target_db), run_id_(run_id), observer_(observer) {}

  Status Run(const PlannedStep& planned) {
    const Step& step = *planned.step;
    TEST_CrashPoint("step-start");
    if (planned.pending_fingerprint == kPendingUnknown) return UncertainStatement(planned);
    StatementSource source(step, SourceName(planned));
    const int32_t count = source.estimated();
    if (observer_ != nullptr) observer_->OnStepStart(planned, count);
    const auto started = std::chrono::steady_clock::now();

    StepOutcome outcome;
    if (Status entered = EnterStep(planned); !entered.ok()) {
      outcome.status = entered.WithContext(StepWhere(planned) + " failed before its first statement")
                           .WithCode(StatusCode::kStepFailed);
      if (outcome.status.code() != StatusCode::kUnavailable) {
        // A DDL step keeps its resume point and any statement in doubt.
        outcome.keep_pending = planned.pending_fingerprint;
        RecordFailure(planned, count, step.has_ddl ? planned.resume_from : 0, outcome);
      }
    } else if (step.kind == StepKind::kCheck) {
      outcome = RunAutocommit(planned, count);
    } else if (step.has_ddl) {
      outcome = RunStatementByStatement(planned, source, count);
    } else {
      outcome = RunInTransaction(planned, source, count);
    }

    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (observer_ != nullptr) {
      observer_->OnStepDone(planned, outcome.status, elapsed.count(), outcome.warning_count);
    }
    return outcome.status;
  }

 private:
  static std::string SourceName(const PlannedStep& planned) {
    const Step& step = *planned.step;
    if (!step.source.empty()) return step.source;
    return "step '" + step.id + "'";
  }

  // The last attempt died while a statement ran whose effect chimp cannot
  // see (pre-image "unknown"): only the operator can say whether it took
  // effect. No row is written; the interrupted attempt keeps the pre-image.
  static Status UncertainStatement(const PlannedStep& planned) {
    const Step& step = *planned.step;
    std::string what;
    if (step.kind == StepKind::kNative) {
      what = "the native step was interrupted while it ran; it is not declared IDEMPOTENT and may have changed "
             "the schema in part. Check what the step changes (plugin '" +
             planned.edge->plugin->file + "', " + step.description + ")";
    } else {
      std::string text = "?";
      int32_t line = 0;
      auto split = step.dialect == SqlDialect::kScriptRunner ? SplitScriptRunner(step.sql, SourceName(planned))
                                                              : SplitSql(step.sql, SourceName(planned));
      if (split.ok() && planned.resume_from >= 0 && static_cast<size_t>(planned.resume_from) < split->size()) {
        text = internal::ShortenSql((*split)[static_cast<size_t>(planned.resume_from)].text);
        line = (*split)[static_cast<size_t>(planned.resume_from)].first_line;
      }
      what = "the last attempt was interrupted while statement " + std::to_string(planned.resume_from + 1) + " (" +
             SourceName(planned) + ", line " + std::to_string(line) + ": " + text +
             ") ran, and chimp cannot tell from the schema whether it took effect. Check whether its change is "
             "in the database";
    }
    return Status::FailedPrecondition(
        StepWhere(planned) + ": " + what + "; then run `chimp repair --statement-done " + step.id +
        "` if it took effect or `chimp repair --statement-not-done " + step.id +
        "` if it did not, and migrate again (doc/recovery.md)");
  }

  // The pre-image of a statement that runs alone, recorded before it is
  // sent (doc/recovery.md), with the objects it names.
  struct PreImageOf {
    std::string image;  // kPendingIdempotent, kPendingUnknown or "sha256:<hex>"
    internal::DdlShape shape;
    bool may_touch_anything = false;  // a re-runnable CALL: its objects are unknown
  };
  Result<PreImageOf> PreImage(const SqlStatement& statement, const PluginInfo& plugin) {
    PreImageOf out;
    if (internal::IsRerunnableCall(statement.text, plugin.rerunnable_calls)) {
      out.image = kPendingIdempotent;
      out.may_touch_anything = true;
      return out;
    }
    const std::string kw = FirstKeyword(statement.text);
    // Transaction control, LOCK and SET change no schema object: running
    // them again on the fresh session is what a resume needs anyway.
    if (kw == "COMMIT" || kw == "ROLLBACK" || kw == "BEGIN" || kw == "START" || kw == "SAVEPOINT" ||
        kw == "RELEASE" || kw == "LOCK" || kw == "UNLOCK" || kw == "SET") {
      out.image = kPendingIdempotent;
      return out;
    }
    out.shape = internal::ParseDdl(statement.text);
    if (out.shape.idempotent) {
      out.image = kPendingIdempotent;  // IF [NOT] EXISTS, OR REPLACE: no probe needed
    } else if (out.shape.probeable) {
      CHIMP_ASSIGN_OR_RETURN(out.image, internal::ProbeFingerprint(conn_, out.shape));
    } else {
      out.image = kPendingUnknown;
    }
    return out;
  }

  // The fingerprint of the objects a statement names, now: compared on
  // resume with the pre-image the last attempt recorded.
  Result<std::string> ProbeNow(const SqlStatement& statement, int32_t index) {
    const internal::DdlShape shape = internal::ParseDdl(statement.text);
    if (!shape.probeable) {
      return Status::Internal("statement " + std::to_string(index + 1) +
                              " has a recorded pre-image but names no object to probe");
    }
    return internal::ProbeFingerprint(conn_, shape);
  }

  static std::string StepWhere(const PlannedStep& planned) {
    return "step '" + planned.step->id + "' (plugin '" + planned.edge->plugin->file + "', " +
           (planned.repeatable ? std::string("repeatable, ") + RepeatableWhenName(planned.when) + " the path"
                               : "edge " + planned.edge->Name()) +
           ")";
  }

  // Every step starts from a fresh session state: the session is reset
  // (as a new connection), the step's database selected, then the plugin's
  // and the step's session statements run.
  Status EnterStep(const PlannedStep& planned) {
    const Step& step = *planned.step;
    CHIMP_RETURN_IF_ERROR(conn_.ResetSession().WithContext("resetting the session"));
    const std::string db = step.database.has_value() ? *step.database : target_db_;
    if (db.empty()) {
      CHIMP_RETURN_IF_ERROR(LeaveDatabase());
    } else {
      Status used = conn_.Execute(std::string(kInternalTag) + "USE " + Connection::QuoteIdentifier(db)).status();
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

  // MariaDB has no "USE nothing": select a scratch database and drop it,
  // which leaves the session without a default database.
  Status LeaveDatabase() {
    const std::string scratch = Connection::QuoteIdentifier("chimp_nodb_" + std::to_string(conn_.ThreadId()));
    const std::string tag(kInternalTag);
    CHIMP_RETURN_IF_ERROR(conn_.Execute(tag + "CREATE DATABASE IF NOT EXISTS " + scratch).status());
    CHIMP_RETURN_IF_ERROR(conn_.Execute(tag + "USE " + scratch).status());
    return conn_.Execute(tag + "DROP DATABASE " + scratch).status();
  }

  Status RunSessionSql(const std::string& sql, const char* what) {
    if (sql.empty()) return Status::Ok();
    SqlSplitter splitter(sql, what);
    for (;;) {
      CHIMP_ASSIGN_OR_RETURN(std::optional<SqlStatement> statement, splitter.Next());
      if (!statement.has_value()) return Status::Ok();
      CHIMP_RETURN_IF_ERROR(conn_.Execute(statement->text).status().WithContext(what));
      const SessionFlags flags = conn_.Flags();
      splitter.SetNoBackslashEscapes(flags.no_backslash_escapes);
      splitter.SetAnsiQuotes(flags.ansi_quotes);
    }
  }

  ChangelogEntry NewEntry(const PlannedStep& planned, int32_t statement_count) const {
    const Step& step = *planned.step;
    const Edge& edge = *planned.edge;
    ChangelogEntry e;
    e.run_id = run_id_;
    e.step_id = step.id;
    e.edge_from = edge.from.ToString();
    e.edge_to = edge.to.ToString();
    e.phase = step.phase;
    e.kind = step.kind;
    e.checksum = step.checksum;
    e.plugin_name = edge.plugin->name;
    e.plugin_version = edge.plugin->version;
    e.plugin_file = edge.plugin->file;
    e.description = step.description;
    e.proposed_at = step.proposed_at;
    e.status = StepStatus::kRunning;
    e.statement_index = planned.resume_from;
    e.statement_count = statement_count;
    // Carried over so that a crash before the pending statement is decided
    // leaves the same question for the next attempt.
    e.pending_fingerprint = planned.pending_fingerprint;
    if (step.kind == StepKind::kNative && step.has_ddl && !step.idempotent) e.pending_fingerprint = kPendingUnknown;
    e.engine_version = EngineVersion();
    return e;
  }

  Status StepError(const PlannedStep& planned, const Status& cause, int32_t index, int32_t count,
                   const SqlStatement* s) const {
    std::string where = StepWhere(planned);
    if (s != nullptr) {
      where += " failed at statement " + std::to_string(index + 1) + " of " +
               (count > index ? std::to_string(count) : std::string("?")) + " (" + SourceName(planned) +
               ", line " + std::to_string(s->first_line) + ": " + internal::ShortenSql(s->text) + ")";
    } else {
      where += " failed";
    }
    return cause.WithContext(where).WithCode(StatusCode::kStepFailed);
  }

  // Runs statement `index`, collecting warnings into `outcome`; a warning
  // fails the statement when the step declares warnings fatal.
  Status Execute(const PlannedStep& planned, const SqlStatement& statement, int32_t index,
                 StepOutcome* outcome) {
    if (observer_ != nullptr) observer_->OnStatement(planned, index, statement.text);
    TEST_CrashPoint("before-statement");
    CHIMP_ASSIGN_OR_RETURN(ExecInfo info, conn_.Execute(statement.text));
    TEST_CrashPoint("after-statement");
    if (info.warning_count == 0) return Status::Ok();
    outcome->warning_count += static_cast<int32_t>(info.warning_count);
    size_t kept = 0;
    for (char c : outcome->warnings) kept += c == '\n' ? 1 : 0;
    std::vector<std::string> texts;
    if (kept < kWarningsKept || planned.step->warnings_fatal) {
      CHIMP_ASSIGN_OR_RETURN(texts, conn_.Warnings(std::max<size_t>(kWarningsKept - std::min(kept, kWarningsKept), 1)));
      for (size_t i = 0; i < texts.size() && kept + i < kWarningsKept; ++i) {
        outcome->warnings += "statement " + std::to_string(index + 1) + ": " + texts[i] + "\n";
      }
    }
    if (planned.step->warnings_fatal) {
      std::string first = texts.empty() ? std::string() : ": " + texts.front();
      return Status::StepFailed(std::to_string(info.warning_count) +
                                " warning(s) or note(s), and the step declares warnings fatal" + first);
    }
    return Status::Ok();
  }

  // Runs a native step.
  Status RunNative(const PlannedStep& planned) {
    const Step& step = *planned.step;
    Status s = RunNativeStep(step, *planned.edge, conn_);
    if (!s.ok()) return s.code() == StatusCode::kUnavailable ? s.WithContext("step '" + step.id + "'") : s;
    return Status::Ok();
  }

  // Corrects the row's statement_count when the split while executing
  // found another number than the split up front (sql_mode changes).
  void FixCount(int64_t row, int32_t estimated, const StepOutcome& outcome) {
    if (!outcome.status.ok() || outcome.statements_seen == estimated) return;
    const Value params[] = {Value::Int(outcome.statements_seen), Value::Int(row)};
    (void)conn_.Execute("UPDATE " + changelog_.ChangelogTable() + " SET statement_count = ? WHERE id = ?", params);
  }

  // No DDL: the statements and the changelog row commit together, or
  // neither does; a failure is recorded afterwards, outside the rollback.
  StepOutcome RunInTransaction(const PlannedStep& planned, StatementSource& source, int32_t count) {
    StepOutcome outcome;
    int64_t row = 0;
    outcome.status = [&]() -> Status {
      CHIMP_RETURN_IF_ERROR(conn_.Begin());
      CHIMP_ASSIGN_OR_RETURN(row, changelog_.Insert(NewEntry(planned, count)));
      if (planned.step->kind == StepKind::kNative) {
        CHIMP_RETURN_IF_ERROR(RunNative(planned));
      } else {
        for (int32_t i = 0;; ++i) {
          auto next = source.Next();
          if (!next.ok()) return StepError(planned, next.status(), i, count, nullptr);
          if (!next->has_value()) break;
          const SqlStatement& statement = **next;
          outcome.statements_seen = i + 1;
          Status s = Execute(planned, statement, i, &outcome);
          if (!s.ok()) return StepError(planned, s, i, count, &statement);
          outcome.statements_done = i + 1;
          source.Follow(conn_.Flags());
        }
      }
      CHIMP_RETURN_IF_ERROR(changelog_.Finish(row, StepStatus::kSuccess, outcome.statements_done, "",
                                              outcome.warning_count, outcome.warnings));
      TEST_CrashPoint("before-commit");
      CHIMP_RETURN_IF_ERROR(conn_.Commit());
      TEST_CrashPoint("after-commit");
      return Status::Ok();
    }();
    if (!outcome.status.ok()) {
      (void)conn_.Rollback();
      RecordFailure(planned, count, /*statements_done=*/0, outcome);
    } else {
      FixCount(row, count, outcome);
    }
    return outcome;
  }

  // DDL: the row is written `running` first. A statement that runs alone
  // (RunsAlone: DDL, CALL, ...) is followed by its own statement-index
  // update; consecutive other statements run in one transaction that ends
  // with the index update, committed before the next lone statement. A
  // failure inside such a group rolls the group back, and the index points
  // at its first statement: every statement counts exactly once.
  StepOutcome RunStatementByStatement(const PlannedStep& planned, StatementSource& source, int32_t count) {
    StepOutcome outcome;
    auto row = changelog_.Insert(NewEntry(planned, count));
    if (!row.ok()) {
      outcome.status = row.status();
      return outcome;
    }
    const int64_t id = *row;
    if (planned.step->kind == StepKind::kNative) {
      outcome.status = RunNative(planned);
    } else {
      outcome.status = RunGrouped(planned, source, count, id, &outcome);
    }
    if (!outcome.finished) {
      Status finish = changelog_.Finish(id, outcome.status.ok() ? StepStatus::kSuccess : StepStatus::kFailed,
                                        outcome.statements_done, outcome.status.message(),
                                        outcome.warning_count, outcome.warnings);
      if (outcome.status.ok()) outcome.status = finish;
    }
    if (!outcome.keep_pending.empty()) {
      (void)changelog_.SetPending(id, outcome.statements_done, outcome.keep_pending);
    }
    FixCount(id, count, outcome);
    return outcome;
  }

  Status RunGrouped(const PlannedStep& planned, StatementSource& source, int32_t count, int64_t id,
                    StepOutcome* outcome) {
    bool in_group = false;
    int32_t group_start = 0;
    outcome->statements_done = planned.resume_from;
    // The objects of the DDL statements whose pre-images the last write
    // carried: until a later write moves the index past them, a statement
    // that runs again on a resume (IF EXISTS, ...) must not touch them, or
    // the probes on resume could no longer tell what ran.
    std::vector<internal::DdlObject> unconfirmed;
    // After a statement whose pre-image is "unknown" ran, the changelog
    // still names it as the one in flight. The next pre-image write says it
    // is done (it moves the index on); before anything else runs, the index
    // is written on its own. Either way, nothing but read-only probes runs
    // between the statement and the write that records it.
    bool unrecorded = false;
    auto record_index = [&](int32_t done) -> Status {
      CHIMP_RETURN_IF_ERROR(changelog_.SetStatementIndex(id, done));
      TEST_CrashPoint("after-index");
      unrecorded = false;
      unconfirmed.clear();
      return Status::Ok();
    };
    auto fail_group = [&]() {
      if (!in_group) return;
      (void)conn_.Rollback();
      in_group = false;
      outcome->statements_done = group_start;
    };
    // Ends the group at `done`; `pending` is the pre-image of statement
    // `done` when a lone statement follows, written in the same update.
    auto end_group = [&](int32_t done, const std::string& pending) -> Status {
      Status s = pending.empty() ? changelog_.SetStatementIndex(id, done) : changelog_.SetPending(id, done, pending);
      if (s.ok()) {
        TEST_CrashPoint("before-commit");
        s = conn_.Commit();
        if (s.ok()) TEST_CrashPoint("after-commit");
      }
      if (!s.ok()) {
        fail_group();
        return s;
      }
      in_group = false;
      unconfirmed.clear();
      outcome->statements_done = done;
      return Status::Ok();
    };
    // Between LOCK TABLES and UNLOCK TABLES the session can write no other
    // table (the changelog) and must not open a transaction (that would
    // unlock): statements run one by one, and the index is written after
    // UNLOCK TABLES. A failure in between leaves the index at LOCK TABLES.
    bool tables_locked = false;
    auto unlock_after_failure = [&]() {
      if (tables_locked) (void)conn_.Execute(std::string(kInternalTag) + "UNLOCK TABLES");
      tables_locked = false;
    };
    // Resume: the pre-images the last attempt wrote for the statements
    // from resume_from on. Each that took effect is skipped; the first that
    // did not ends the check (they ran in order).
    std::vector<std::string> resume_images;
    if (IsProbeImage(planned.pending_fingerprint)) resume_images = SplitImages(planned.pending_fingerprint);
    bool checking = !resume_images.empty();
    // Statements before this index had their pre-images carried by the last
    // write (a batch of DDL statements): they run with no write of their own.
    int32_t batch_end = 0;
    int32_t i = 0;
    for (;; ++i) {
      auto next = source.Next();
      if (!next.ok()) {
        unlock_after_failure();
        fail_group();
        return StepError(planned, next.status(), i, count, nullptr);
      }
      if (!next->has_value()) break;
      const SqlStatement& statement = **next;
      outcome->statements_seen = i + 1;
      if (i < planned.resume_from) {
        // Done by an earlier attempt, in another session: replay only what
        // set this session's state (USE, SET sql_mode, SET @v), which the
        // rest of the script may rely on and the splitter follows.
        if (ReplaysOnResume(statement)) {
          Status s = conn_.Execute(statement.text).status();
          if (!s.ok()) return StepError(planned, s, i, count, &statement);
          source.Follow(conn_.Flags());
        }
        continue;
      }
      if (checking) {
        const size_t k = static_cast<size_t>(i - planned.resume_from);
        if (k < resume_images.size()) {
          // The last attempt may have died with this statement in flight:
          // the objects it names tell whether it took effect.
          auto now = ProbeNow(statement, i);
          if (!now.ok()) {
            outcome->keep_pending = planned.pending_fingerprint;
            return StepError(planned, now.status(), i, count, &statement);
          }
          if (*now != resume_images[k]) {
            outcome->statements_done = i + 1;
            continue;
          }
        }
        checking = false;
        if (i > planned.resume_from) CHIMP_RETURN_IF_ERROR(record_index(i));
      }
      if (RunsAlone(statement) || tables_locked) {
        last_pre_image_.clear();
        if (!tables_locked && i < batch_end) {
          last_pre_image_ = "sha256:";  // carried by the batch's write
        } else if (!tables_locked) {
          auto pre = PreImage(statement, *planned.edge->plugin);
          if (!pre.ok()) {
            fail_group();
            return StepError(planned, pre.status(), i, count, &statement);
          }
          last_pre_image_ = pre->image;
          std::string write = pre->image;
          std::vector<internal::DdlObject> objects = pre->shape.objects;
          if (IsProbeImage(pre->image) && internal::ProbeHoldsAcrossOthers(statement.text, pre->shape)) {
            const int32_t joined = ReadAheadBatch(source, &write, &objects);
            batch_end = i + 1 + joined;
          }
          // A statement that may simply run again ("idempotent": IF EXISTS,
          // OR REPLACE, SET, LOCK ...) needs no write of its own: if the run
          // dies, the resume starts at the last recorded statement and runs
          // it again with the rest (doc/recovery.md).
          const bool rerunnable = pre->image == kPendingIdempotent;
          const bool confirm =
              rerunnable && (unrecorded || internal::Overlap(unconfirmed, pre->shape.objects) ||
                             (pre->may_touch_anything && !unconfirmed.empty()));
          if (in_group) {
            CHIMP_RETURN_IF_ERROR(end_group(i, rerunnable ? "" : write));
            TEST_CrashPoint("after-index");
          } else if (!rerunnable) {
            CHIMP_RETURN_IF_ERROR(changelog_.SetPending(id, i, write));
            TEST_CrashPoint("after-index");
            unrecorded = false;
          } else if (confirm) {
            CHIMP_RETURN_IF_ERROR(record_index(i));
          }
          if (IsProbeImage(write)) unconfirmed = std::move(objects);
          if (!rerunnable && !IsProbeImage(write)) unconfirmed.clear();
          outcome->statements_done = i;
        }
        Status s = Execute(planned, statement, i, outcome);
        if (!s.ok()) {
          unlock_after_failure();
          return StepError(planned, s, i, count, &statement);
        }
        source.Follow(conn_.Flags());
        const std::string kw = FirstKeyword(statement.text);
        const bool was_locked = tables_locked;
        if (kw == "LOCK") tables_locked = true;
        if (kw == "UNLOCK") tables_locked = false;
        if (!tables_locked) {
          // The index need not advance after a statement whose pre-image is
          // a probe fingerprint (the probe tells on resume that it took
          // effect) or one that may run again: that saves a commit per DDL
          // statement. An "unknown" one is recorded by the next write,
          // UNLOCK TABLES ending a locked run at once.
          if (was_locked) {
            CHIMP_RETURN_IF_ERROR(record_index(i + 1));
          } else if (last_pre_image_ == kPendingUnknown) {
            unrecorded = true;
          }
          outcome->statements_done = i + 1;
        }
        continue;
      }
      if (!in_group) {
        if (unrecorded) CHIMP_RETURN_IF_ERROR(record_index(i));
        CHIMP_RETURN_IF_ERROR(conn_.Begin());
        in_group = true;
        group_start = i;
      }
      Status s = Execute(planned, statement, i, outcome);
      if (!s.ok()) {
        fail_group();
        return StepError(planned, s, i, count, &statement);
      }
      const SessionFlags flags = conn_.Flags();
      source.Follow(flags);
      if (!flags.in_transaction) {
        // Something committed that RunsAlone did not foresee: what ran is
        // permanent, so the index must say so at once.
        in_group = false;
        CHIMP_RETURN_IF_ERROR(record_index(i + 1));
        outcome->statements_done = i + 1;
      }
    }
    if (in_group) {
      // The step ends with a group: finishing the row is its closing
      // update, and one commit makes both permanent.
      Status s = changelog_.Finish(id, StepStatus::kSuccess, i, "", outcome->warning_count, outcome->warnings);
      if (s.ok()) {
        TEST_CrashPoint("before-commit");
        s = conn_.Commit();
        if (s.ok()) TEST_CrashPoint("after-commit");
      }
      if (!s.ok()) {
        fail_group();
        return s;
      }
      outcome->finished = true;
    }
    if (tables_locked) {
      // The script ended with its tables locked; the client would keep
      // them until it disconnects.
      CHIMP_RETURN_IF_ERROR(conn_.Execute(std::string(kInternalTag) + "UNLOCK TABLES").status());
      CHIMP_RETURN_IF_ERROR(changelog_.SetStatementIndex(id, i));
    }
    outcome->statements_done = i;
    return Status::Ok();
  }

  // Reads ahead the DDL statements that follow a probed one and can share
  // its pre-image write: each runs alone, names all it changes, touches no
  // object of the others, and is probed now, before the first of them runs.
  // Appends their fingerprints to `images` and their objects to `objects`;
  // returns how many joined. What was read is given back to `source`.
  int32_t ReadAheadBatch(StatementSource& source, std::string* images, std::vector<internal::DdlObject>* objects) {
    std::vector<SqlStatement> ahead;
    int32_t joined = 0;
    while (static_cast<size_t>(joined) + 1 < kMaxBatch) {
      auto next = source.Next();
      if (!next.ok()) {
        source.PutBack(next.status());
        break;
      }
      if (!next->has_value()) break;
      ahead.push_back(std::move(**next));
      const SqlStatement& candidate = ahead.back();
      if (!RunsAlone(candidate)) break;
      const internal::DdlShape shape = internal::ParseDdl(candidate.text);
      if (shape.idempotent || !internal::ProbeHoldsAcrossOthers(candidate.text, shape) ||
          internal::Overlap(*objects, shape.objects)) {
        break;
      }
      auto image = internal::ProbeFingerprint(conn_, shape);
      if (!image.ok()) break;  // the statement probes again on its own
      *images += " " + *image;
      objects->insert(objects->end(), shape.objects.begin(), shape.objects.end());
      ++joined;
    }
    source.PutBack(std::move(ahead));
    return joined;
  }

  // Checks change nothing: run them, then record the verdict.
  StepOutcome RunAutocommit(const PlannedStep& planned, int32_t count) {
    StepOutcome outcome;
    const Step& step = *planned.step;
    if (step.run != nullptr) {
      outcome.status = RunNativeStep(step, *planned.edge, conn_);
    } else {
      outcome.status = RunCheckQuery(planned);
    }
    if (!outcome.status.ok()) {
      RecordFailure(planned, count, 0, outcome);
      return outcome;
    }
    auto row = changelog_.Insert(NewEntry(planned, 0));
    if (!row.ok()) {
      outcome.status = row.status();
      return outcome;
    }
    outcome.status = changelog_.Finish(*row, StepStatus::kSuccess, 0, "", 0, "");
    return outcome;
  }

  Status RunCheckQuery(const PlannedStep& planned) {
    const Step& step = *planned.step;
    int64_t rows = 0;
    int64_t failing = 0;
    std::string first_failing;
    Status s = conn_.QueryEach(step.sql, {}, [&](const Row& row) {
      ++rows;
      const bool pass = !row.empty() && !row[0].is_null() && row[0].ToString() != "0" &&
                        row[0].ToString() != "" && row[0].ToString() != "0.0";
      if (!pass && failing++ == 0) {
        for (size_t i = 0; i < row.size(); ++i) {
          first_failing += (i ? ", " : "") + (row[i].is_null() ? std::string("NULL") : row[i].ToString());
        }
      }
      return true;
    });
    const std::string where = "check '" + step.id + "' (plugin '" + planned.edge->plugin->file + "')";
    if (!s.ok()) {
      return s.WithContext(where).WithCode(StatusCode::kStepFailed);
    }
    if (rows == 0) return Status::CheckFailed(where + " failed: the query returned no row: " + internal::ShortenSql(step.sql));
    if (failing > 0) {
      return Status::CheckFailed(where + " failed: " + std::to_string(failing) + " of " + std::to_string(rows) +
                                " row(s) are false, the first: (" + first_failing + "); query: " +
                                internal::ShortenSql(step.sql));
    }
    return Status::Ok();
  }

  void RecordFailure(const PlannedStep& planned, int32_t count, int32_t statements_done,
                     const StepOutcome& outcome) {
    ChangelogEntry entry = NewEntry(planned, count);
    entry.statement_index = statements_done;
    auto row = changelog_.Insert(entry);
    if (row.ok()) {
      (void)changelog_.Finish(*row, StepStatus::kFailed, statements_done, outcome.status.message(),
                              outcome.warning_count, outcome.warnings);
      if (!outcome.keep_pending.empty()) (void)changelog_.SetPending(*row, statements_done, outcome.keep_pending);
    }
  }

  // The pre-image written before the lone statement that ran last.
  std::string last_pre_image_;
  Connection& conn_;
  Changelog& changelog_;
  const std::string& target_db_;
  const std::string& run_id_;
  ExecutionObserver* observer_;
};

Result<bool> DatabaseExists(Connection& conn, const std::string& name) {
  const Value params[] = {Value::Text(name)};
  CHIMP_ASSIGN_OR_RETURN(auto found, conn.QueryScalar(
                                         std::string(kInternalTag) +
                                             "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                                         params));
  return found.has_value() && found->ToString() != "0";
}

}  // namespace

std::string NewRunId() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // Fall back to the clock: a run id must be unique, not secret.
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    for (size_t i = 0; i < sizeof b; ++i) b[i] = static_cast<unsigned char>(now >> ((i % 8) * 8));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

Result<ExecutionSummary> ExecutePlan(const Plan& plan, Connection& conn, Changelog& changelog,
                                     const std::string& target_db, const std::string& run_id,
                                     ExecutionObserver* observer) {
  ExecutionSummary summary;
  summary.run_id = run_id;
  summary.reached = plan.current;

  CHIMP_ASSIGN_OR_RETURN(bool exists, DatabaseExists(conn, target_db));
  if (!exists && !plan.steps.empty()) {
    CHIMP_RETURN_IF_ERROR(conn.Execute(std::string(kInternalTag) + "CREATE DATABASE IF NOT EXISTS " +
                                       Connection::QuoteIdentifier(target_db) +
                                       " DEFAULT CHARACTER SET utf8mb4")
                              .status()
                              .WithContext("creating the target database '" + target_db + "'"));
  }

  StepRunner runner(conn, changelog, target_db, run_id, observer);
  auto run = [&](const PlannedStep& planned) -> Status {
    CHIMP_RETURN_IF_ERROR(runner.Run(planned));
    ++summary.steps_run;
    return Status::Ok();
  };
  auto run_repeatables = [&](RepeatableWhen when) -> Status {
    for (const PlannedStep& planned : plan.steps) {
      if (planned.repeatable && planned.when == when) CHIMP_RETURN_IF_ERROR(run(planned));
    }
    return Status::Ok();
  };

  if (plan.phase == Phase::kCleanup) {
    for (const PlannedStep& planned : plan.steps) CHIMP_RETURN_IF_ERROR(run(planned));
    return summary;
  }
  // Before-repeatables run before the first upgrade edge: after a base
  // edge, which creates what they need (planner.hpp).
  bool before_done = false;
  for (const Edge* edge : plan.path) {
    if (!before_done && !edge->from.empty()) {
      CHIMP_RETURN_IF_ERROR(run_repeatables(RepeatableWhen::kBefore));
      before_done = true;
    }
    for (const PlannedStep& planned : plan.steps) {
      if (!planned.repeatable && planned.edge == edge) CHIMP_RETURN_IF_ERROR(run(planned));
    }
    TEST_CrashPoint("before-version");
    CHIMP_RETURN_IF_ERROR(changelog.SetVersion(edge->to, run_id));
    summary.reached = edge->to;
    if (observer != nullptr) observer->OnVersion(edge->to);
  }
  if (!before_done) CHIMP_RETURN_IF_ERROR(run_repeatables(RepeatableWhen::kBefore));
  CHIMP_RETURN_IF_ERROR(run_repeatables(RepeatableWhen::kAfter));
  return summary;
}

}  // namespace chimp
