// chimp adhoc: one-off SQL through the migration splitter and connection.
#include "chimp/engine.hpp"
#include "engine/session.hpp"
#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"

namespace chimp {

namespace {

Status StatementError(const std::string& source, const SqlStatement& s, const Status& cause) {
  const std::string where = source + ":" + std::to_string(s.first_line) + ": statement " + std::to_string(s.index + 1) +
                            " (" + internal::ShortenSql(s.text) + ")";
  if (cause.code() == StatusCode::kUnavailable) return cause.WithContext(where);
  return Status::DatabaseError(where + ": " + cause.message());
}

}  // namespace

Result<int32_t> RunAdhoc(const EngineOptions& options, std::string_view script, const std::string& source,
                         bool script_runner, bool dry_run,
                         const std::function<void(const SqlStatement&, const ExecInfo*)>& on_statement) {
  std::unique_ptr<Connection> conn;
  if (!dry_run) {
    ConnectionOptions connection = options.connection;
    connection.database = options.database;
    CHIMP_ASSIGN_OR_RETURN(conn, Connection::Open(connection));
  }
  internal::StatementSource statements(script, script_runner ? SqlDialect::kScriptRunner : SqlDialect::kClient, source);
  int32_t count = 0;
  for (;; ++count) {
    CHIMP_ASSIGN_OR_RETURN(auto next, statements.Next());
    if (!next.has_value()) break;
    const SqlStatement& statement = next->statement;
    if (dry_run) {
      if (on_statement) on_statement(statement, nullptr);
      continue;
    }
    auto info = conn->Execute(statement.text);
    if (!info.ok()) return StatementError(source, statement, info.status());
    if (on_statement) on_statement(statement, &*info);
    statements.Follow(conn->Flags());
  }
  return count;
}

}  // namespace chimp
