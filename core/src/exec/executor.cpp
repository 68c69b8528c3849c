#include "chimp/executor.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>

#include "chimp/engine.hpp"
#include "chimp/sql_splitter.hpp"
#include "plugin/services.hpp"

namespace chimp {

namespace {

constexpr size_t kWarningsKept = 5;

// What one step left behind, for its changelog row.
struct StepOutcome {
  Status status;
  int32_t statements_done = 0;
  int32_t warning_count = 0;
  std::string warnings;  // the first kWarningsKept texts, one per line
};

std::string Shorten(std::string_view sql, size_t limit = 160) {
  std::string out;
  for (char c : sql) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

class StepRunner {
 public:
  StepRunner(Connection& conn, Changelog& changelog, const std::string& run_id,
             ExecutionObserver* observer)
      : conn_(conn), changelog_(changelog), run_id_(run_id), observer_(observer) {}

  Status Run(const PlannedStep& planned) {
    const Step& step = *planned.step;
    std::vector<SqlStatement> statements;
    if (step.kind == StepKind::kSql) {
      CHIMP_ASSIGN_OR_RETURN(statements, SplitSql(step.sql, SourceName(planned)));
    }
    if (observer_ != nullptr) observer_->OnStepStart(planned, static_cast<int32_t>(statements.size()));
    const auto started = std::chrono::steady_clock::now();

    StepOutcome outcome;
    if (step.kind == StepKind::kCheck) {
      outcome = RunAutocommit(planned, statements);
    } else if (step.has_ddl) {
      outcome = RunStatementByStatement(planned, statements);
    } else {
      outcome = RunInTransaction(planned, statements);
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
    e.engine_version = EngineVersion();
    return e;
  }

  Status StepError(const PlannedStep& planned, const Status& cause, int32_t index,
                   const std::vector<SqlStatement>& statements) const {
    const Step& step = *planned.step;
    std::string where = "step '" + step.id + "' (plugin '" + planned.edge->plugin->file + "', edge " +
                        planned.edge->Name() + ")";
    if (!statements.empty() && index < static_cast<int32_t>(statements.size())) {
      const SqlStatement& s = statements[index];
      where += " failed at statement " + std::to_string(index + 1) + " of " +
               std::to_string(statements.size()) + " (" + SourceName(planned) + ", line " +
               std::to_string(s.first_line) + ": " + Shorten(s.text) + ")";
    } else {
      where += " failed";
    }
    if (cause.code() == StatusCode::kUnavailable) return cause.WithContext(where);
    return Status::StepFailed(where + ": " + cause.message());
  }

  // Runs statement `index`, collecting warnings into `outcome`.
  Status Execute(const PlannedStep& planned, const SqlStatement& statement, int32_t index,
                 StepOutcome* outcome) {
    if (observer_ != nullptr) observer_->OnStatement(planned, index, statement.text);
    CHIMP_ASSIGN_OR_RETURN(ExecInfo info, conn_.Execute(statement.text));
    if (info.warning_count > 0) {
      outcome->warning_count += static_cast<int32_t>(info.warning_count);
      size_t kept = 0;
      for (char c : outcome->warnings) kept += c == '\n' ? 1 : 0;
      if (kept < kWarningsKept) {
        CHIMP_ASSIGN_OR_RETURN(auto texts, conn_.Warnings(kWarningsKept - kept));
        for (const std::string& text : texts) {
          outcome->warnings += "statement " + std::to_string(index + 1) + ": " + text + "\n";
        }
      }
    }
    return Status::Ok();
  }

  // The step's work: the statements from `first`, or the native function.
  // `after_each` runs after each statement (the DDL path records progress).
  Status DoWork(const PlannedStep& planned, const std::vector<SqlStatement>& statements,
                int32_t first, StepOutcome* outcome,
                const std::function<Status(int32_t done)>& after_each) {
    const Step& step = *planned.step;
    if (step.kind == StepKind::kNative) {
      Status s = RunNativeStep(step, *planned.edge, conn_);
      if (!s.ok()) return s.code() == StatusCode::kUnavailable ? s.WithContext("step '" + step.id + "'") : s;
      return Status::Ok();
    }
    outcome->statements_done = first;
    for (int32_t i = first; i < static_cast<int32_t>(statements.size()); ++i) {
      Status s = Execute(planned, statements[i], i, outcome);
      if (!s.ok()) return StepError(planned, s, i, statements);
      outcome->statements_done = i + 1;
      if (after_each) CHIMP_RETURN_IF_ERROR(after_each(i + 1));
    }
    return Status::Ok();
  }

  // No DDL: the statements and the changelog row commit together, or
  // neither does; a failure is recorded afterwards, outside the rollback.
  StepOutcome RunInTransaction(const PlannedStep& planned,
                               const std::vector<SqlStatement>& statements) {
    StepOutcome outcome;
    const int32_t count = static_cast<int32_t>(statements.size());
    outcome.status = [&]() -> Status {
      CHIMP_RETURN_IF_ERROR(conn_.Begin());
      CHIMP_ASSIGN_OR_RETURN(int64_t row, changelog_.Insert(NewEntry(planned, count)));
      CHIMP_RETURN_IF_ERROR(DoWork(planned, statements, 0, &outcome, {}));
      CHIMP_RETURN_IF_ERROR(changelog_.Finish(row, StepStatus::kSuccess, outcome.statements_done,
                                              "", outcome.warning_count, outcome.warnings));
      return conn_.Commit();
    }();
    if (!outcome.status.ok()) {
      (void)conn_.Rollback();
      RecordFailure(planned, count, /*statements_done=*/0, outcome);
    }
    return outcome;
  }

  // DDL: the row is written `running` first and advanced after each
  // statement, so a failure or a crash says exactly where it stopped.
  StepOutcome RunStatementByStatement(const PlannedStep& planned,
                                      const std::vector<SqlStatement>& statements) {
    StepOutcome outcome;
    const int32_t count = static_cast<int32_t>(statements.size());
    auto row = changelog_.Insert(NewEntry(planned, count));
    if (!row.ok()) {
      outcome.status = row.status();
      return outcome;
    }
    const int64_t id = *row;
    outcome.status = DoWork(planned, statements, planned.resume_from, &outcome,
                            [&](int32_t done) { return changelog_.SetStatementIndex(id, done); });
    if (planned.step->kind == StepKind::kNative && outcome.status.ok()) outcome.statements_done = 0;
    Status finish = changelog_.Finish(id, outcome.status.ok() ? StepStatus::kSuccess : StepStatus::kFailed,
                                      outcome.statements_done, outcome.status.message(),
                                      outcome.warning_count, outcome.warnings);
    if (outcome.status.ok()) outcome.status = finish;
    return outcome;
  }

  // Checks change nothing: run them, then record the verdict.
  StepOutcome RunAutocommit(const PlannedStep& planned, const std::vector<SqlStatement>& statements) {
    StepOutcome outcome;
    const Step& step = *planned.step;
    if (step.run != nullptr) {
      outcome.status = RunNativeStep(step, *planned.edge, conn_);
    } else {
      outcome.status = RunCheckQuery(planned);
    }
    if (!outcome.status.ok()) {
      RecordFailure(planned, static_cast<int32_t>(statements.size()), 0, outcome);
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
      if (s.code() == StatusCode::kUnavailable) return s.WithContext(where);
      return Status::StepFailed(where + ": " + s.message());
    }
    if (rows == 0) return Status::StepFailed(where + " failed: the query returned no row: " + Shorten(step.sql));
    if (failing > 0) {
      return Status::StepFailed(where + " failed: " + std::to_string(failing) + " of " + std::to_string(rows) +
                                " row(s) are false, the first: (" + first_failing + "); query: " +
                                Shorten(step.sql));
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
    }
  }

  Connection& conn_;
  Changelog& changelog_;
  const std::string& run_id_;
  ExecutionObserver* observer_;
};

Result<bool> DatabaseExists(Connection& conn, const std::string& name) {
  const Value params[] = {Value::Text(name)};
  CHIMP_ASSIGN_OR_RETURN(auto found, conn.QueryScalar(
                                         "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                                         params));
  return found.has_value() && found->ToString() != "0";
}

// Every step starts in the target database, whatever the previous step did
// with USE.
Status EnterTargetDatabase(Connection& conn, const std::string& target_db) {
  CHIMP_ASSIGN_OR_RETURN(bool exists, DatabaseExists(conn, target_db));
  if (!exists) return Status::Ok();
  return conn.Execute("USE " + Connection::QuoteIdentifier(target_db)).status();
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
    CHIMP_RETURN_IF_ERROR(conn.Execute("CREATE DATABASE IF NOT EXISTS " +
                                       Connection::QuoteIdentifier(target_db) +
                                       " DEFAULT CHARACTER SET utf8mb4")
                              .status()
                              .WithContext("creating the target database '" + target_db + "'"));
  }

  StepRunner runner(conn, changelog, run_id, observer);
  auto run_steps_of = [&](const Edge* edge) -> Status {
    for (const PlannedStep& planned : plan.steps) {
      if (edge != nullptr && planned.edge != edge) continue;
      CHIMP_RETURN_IF_ERROR(EnterTargetDatabase(conn, target_db));
      CHIMP_RETURN_IF_ERROR(runner.Run(planned));
      ++summary.steps_run;
    }
    return Status::Ok();
  };

  if (plan.phase == Phase::kCleanup) {
    CHIMP_RETURN_IF_ERROR(run_steps_of(nullptr));
    return summary;
  }
  for (const Edge* edge : plan.path) {
    CHIMP_RETURN_IF_ERROR(run_steps_of(edge));
    CHIMP_RETURN_IF_ERROR(changelog.SetVersion(edge->to, run_id));
    summary.reached = edge->to;
    if (observer != nullptr) observer->OnVersion(edge->to);
  }
  return summary;
}

}  // namespace chimp
