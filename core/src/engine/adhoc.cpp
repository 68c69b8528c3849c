// chimp adhoc: one-off SQL through the migration splitter and connection,
// recorded in the changelog as a 'chimp:adhoc' row.
#include <chrono>

#include "chimp/changelog.hpp"
#include "chimp/engine.hpp"
#include "chimp/executor.hpp"
#include "engine/session.hpp"
#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"
#include "util/sha256.hpp"

namespace chimp {

namespace {

Status StatementError(const std::string& source, const SqlStatement& s, const Status& cause) {
  const std::string where = source + ":" + std::to_string(s.first_line) + ": statement " + std::to_string(s.index + 1) +
                            " (" + internal::ShortenSql(s.text) + ")";
  if (cause.code() == StatusCode::kUnavailable) return cause.WithContext(where);
  return Status::DatabaseError(where + ": " + cause.message());
}

// What the 'chimp:adhoc' row says: the source, then the statements run,
// shortened, as far as the description column holds them.
std::string Describe(const std::string& source, const std::vector<std::string>& run) {
  constexpr size_t kDescriptionLimit = 1024;
  std::string text = "adhoc " + source + ":";
  for (const std::string& statement : run) {
    const std::string next = " " + internal::ShortenSql(statement) + ";";
    if (text.size() + next.size() > kDescriptionLimit - 5) return text + " ...";
    text += next;
  }
  return text;
}

struct AdhocRun {
  int32_t count = 0;
  std::vector<std::string> run;  // the statements sent, in order
  int32_t done = 0;              // of those, the ones that succeeded
  uint32_t warnings = 0;
};

Status RunStatements(const EngineOptions& options, std::string_view script, const std::string& source,
                     bool script_runner, bool dry_run, const AdhocStatementFn& on_statement, AdhocRun* out) {
  std::unique_ptr<Connection> conn;
  if (!dry_run) {
    ConnectionOptions connection = options.connection;
    connection.database = options.database;
    CHIMP_ASSIGN_OR_RETURN(conn, Connection::Open(connection));
  }
  internal::StatementSource statements(script, script_runner ? SqlDialect::kScriptRunner : SqlDialect::kClient, source);
  for (;; ++out->count) {
    CHIMP_ASSIGN_OR_RETURN(auto next, statements.Next());
    if (!next.has_value()) break;
    const SqlStatement& statement = next->statement;
    if (dry_run) {
      if (on_statement) on_statement(statement, nullptr, nullptr);
      continue;
    }
    out->run.push_back(statement.text);
    QueryResult rows;
    auto info = conn->Execute(statement.text, &rows);
    if (!info.ok()) return StatementError(source, statement, info.status());
    out->warnings += info->warning_count;
    ++out->done;
    if (on_statement) on_statement(statement, &*info, &rows);
    statements.Follow(conn->Flags());
  }
  return Status::Ok();
}

// The finished 'chimp:adhoc' row of a run, on a session of its own (the
// script may have left its session in a transaction). Returns its id, or 0
// with `why` when the target has no changelog yet.
Result<int64_t> Record(const EngineOptions& options, const std::string& script, const std::string& source,
                       const AdhocRun& run, const Status& outcome, int64_t duration_ms, std::string* why) {
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  // Only into a changelog as it is: adhoc takes no lock, so it neither
  // creates the changelog, nor upgrades its layout, nor adds a state row
  // (which would make a database chimp never migrated look adopted).
  CHIMP_ASSIGN_OR_RETURN(ChangelogState state, changelog.ReadState());
  if (!state.initialized) {
    *why = "database '" + options.database + "' has no changelog yet (in schema '" + options.changelog_schema + "')";
    return int64_t{0};
  }
  CHIMP_ASSIGN_OR_RETURN(bool newest, changelog.TablesAreNewest());
  if (!newest) {
    *why =
        "the changelog in schema '" + options.changelog_schema + "' has an older layout; the next migrate upgrades it";
    return int64_t{0};
  }
  ChangelogEntry entry;
  entry.run_id = NewRunId();
  entry.step_id = kAdhocStepId;
  entry.checksum = "sha256:" + internal::Sha256Hex(script);
  entry.description = Describe(source, run.run);
  entry.status = outcome.ok() ? StepStatus::kSuccess : StepStatus::kFailed;
  entry.statement_index = run.done;
  entry.statement_count = run.count;
  entry.error = outcome.ok() ? "" : outcome.message();
  entry.warning_count = static_cast<int32_t>(run.warnings);
  entry.engine_version = EngineVersion();
  return changelog.InsertFinished(entry, duration_ms);
}

}  // namespace

Result<AdhocReport> RunAdhoc(const EngineOptions& options, std::string_view script, const std::string& source,
                             bool script_runner, bool dry_run, const AdhocStatementFn& on_statement) {
  const auto start = std::chrono::steady_clock::now();
  AdhocRun run;
  Status outcome = RunStatements(options, script, source, script_runner, dry_run, on_statement, &run);
  AdhocReport report;
  report.statements = run.count;
  // Nothing reached the server: nothing to record (a dry run, a refused
  // login, a script that does not split before its first statement).
  if (dry_run || run.run.empty()) {
    if (!outcome.ok()) return outcome;
    return report;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  Result<int64_t> id = Record(options, std::string(script), source, run, outcome, ms.count(), &report.not_recorded);
  if (!outcome.ok()) return outcome;
  if (!id.ok()) return id.status().WithContext("the statements ran, but recording them in the changelog failed");
  report.changelog_id = *id;
  return report;
}

}  // namespace chimp
