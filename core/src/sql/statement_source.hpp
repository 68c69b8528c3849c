// StatementSource: the one way a script becomes statements, whatever its
// dialect and source (a step, session_sql, adhoc, verify). Each statement
// comes with its class (sql/statement_info.hpp), read once here.
//
// The client dialect splits as it executes (SqlSplitter), following the
// session's NO_BACKSLASH_ESCAPES and ANSI_QUOTES when the caller passes
// them on with Follow(); the ScriptRunner dialect does not read quotes and
// splits up front (SplitScriptRunner).
//
// Multi-statements (client dialect): the `mariadb` client sends a chunk
// ended by a custom DELIMITER as one query with multi-statements on, and
// the server runs each statement in it in turn, stopping at the first
// error. The source returns such a chunk as its statements
// (SplitMultiStatement), each with its own index, so that each is run and
// recorded as any other: the same effect on the server, and an honest
// record of which of them ran. A chunk holding one statement (CREATE
// PROCEDURE ... BEGIN ...; END) is returned unchanged.
//
// Ownership: the source does not copy `script`; the caller keeps it alive
// and unchanged until the source is destroyed. Not thread-safe.
#ifndef CHIMP_SQL_STATEMENT_SOURCE_HPP_
#define CHIMP_SQL_STATEMENT_SOURCE_HPP_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/sql_splitter.hpp"
#include "chimp/status.hpp"
#include "sql/statement_info.hpp"

namespace chimp::internal {

class StatementSource {
 public:
  // `source_name` (a file name, "step 'id'") starts every split error.
  StatementSource(std::string_view script, SqlDialect dialect, std::string source_name);

  // The next statement, nullopt at the end, or the split error (then again
  // on every later call).
  Result<std::optional<ClassifiedStatement>> Next();

  // The session's modes after the statement last returned ran (client
  // dialect; ignored by ScriptRunner).
  void Follow(const SessionFlags& flags);

  // Gives back statements read ahead, to be returned next in this order.
  // Only statements that change no session state may be read ahead: the
  // split of what follows them must not depend on their running.
  void PutBack(std::vector<ClassifiedStatement> statements);
  // A split error met while reading ahead: returned after the queue.
  void PutBack(Status error) { error_ = std::move(error); }

  // The number of statements with the default modes: exact unless the
  // script changes sql_mode in a way that moves a boundary. 0 when the
  // script does not split.
  int32_t estimated() const { return estimated_; }

 private:
  std::deque<ClassifiedStatement> queued_;
  std::optional<SqlSplitter> splitter_;
  std::vector<SqlStatement> fixed_;
  size_t next_ = 0;
  uint32_t next_index_ = 0;  // SqlStatement::index of the next client statement
  Status error_;
  int32_t estimated_ = 0;
};

// The statements the server runs for `statement` (one the client splitter
// returned) when multi-statements are on: its top-level pieces
// (SplitTopLevel, sql/top_level_split.hpp) with their lines, or the
// statement itself, unchanged, when it holds one. `index` is left 0 for the
// caller to number.
std::vector<SqlStatement> SplitMultiStatement(SqlStatement statement);

// SplitSql, each chunk split by SplitMultiStatement and numbered again.
Result<std::vector<SqlStatement>> SplitClient(std::string_view script, std::string_view source_name);

// Every statement of `script`, split with the default modes, with its
// class; the first split error, if any.
Result<std::vector<ClassifiedStatement>> SplitScript(std::string_view script, SqlDialect dialect,
                                                     std::string source_name);

// The modes a "SET [SESSION] sql_mode = '<literal>'" (or = DEFAULT) leaves
// the session in, read without a server: NO_BACKSLASH_ESCAPES and
// ANSI_QUOTES from the literal (ANSI implies ANSI_QUOTES; DEFAULT clears
// both). nullopt for any other statement, for GLOBAL, and for a mode
// computed at run time (CONCAT(...), @@...), which only the executor can
// follow. in_transaction is always false.
std::optional<SessionFlags> LiteralSessionModes(std::string_view statement_text);

// SplitScript, but the client dialect follows each literal sql_mode
// (LiteralSessionModes) as the executor follows the session's: the split a
// load-time check sees without a server.
Result<std::vector<ClassifiedStatement>> SplitScriptFollowingLiteralModes(std::string_view script, SqlDialect dialect,
                                                                          std::string source_name);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_STATEMENT_SOURCE_HPP_
