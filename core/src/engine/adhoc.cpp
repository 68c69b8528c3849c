// chimp adhoc: one-off SQL through the migration splitter and connection.
#include "chimp/engine.hpp"
#include "engine/session.hpp"

namespace chimp {

namespace {

Status StatementError(const std::string& source, const SqlStatement& s, const Status& cause) {
  const std::string where = source + ":" + std::to_string(s.first_line) + ": statement " +
                            std::to_string(s.index + 1) + " (" + internal::ShortenSql(s.text) + ")";
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
  int32_t count = 0;
  auto run = [&](const SqlStatement& statement) -> Status {
    ++count;
    if (dry_run) {
      if (on_statement) on_statement(statement, nullptr);
      return Status::Ok();
    }
    auto info = conn->Execute(statement.text);
    if (!info.ok()) return StatementError(source, statement, info.status());
    if (on_statement) on_statement(statement, &*info);
    return Status::Ok();
  };

  if (script_runner) {
    CHIMP_ASSIGN_OR_RETURN(auto statements, SplitScriptRunner(script, source));
    for (const SqlStatement& statement : statements) CHIMP_RETURN_IF_ERROR(run(statement));
    return count;
  }
  SqlSplitter splitter(script, source);
  for (;;) {
    CHIMP_ASSIGN_OR_RETURN(auto next, splitter.Next());
    if (!next.has_value()) break;
    CHIMP_RETURN_IF_ERROR(run(*next));
    if (conn != nullptr) {
      const SessionFlags flags = conn->Flags();
      splitter.SetNoBackslashEscapes(flags.no_backslash_escapes);
      splitter.SetAnsiQuotes(flags.ansi_quotes);
    }
  }
  return count;
}

}  // namespace chimp
