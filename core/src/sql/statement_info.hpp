// The classifier: what chimp needs to know of one statement, read once from
// its tokens (sql/lexer.hpp) when the splitter returns it
// (sql/statement_source.hpp) and passed on with it, so that no later stage
// reads the text again.
#ifndef CHIMP_SQL_STATEMENT_INFO_HPP_
#define CHIMP_SQL_STATEMENT_INFO_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/sql_splitter.hpp"
#include "sql/ddl_shape.hpp"
#include "sql/galera_hazard.hpp"

namespace chimp::internal {

struct StatementInfo {
  // The first word, upper-cased ("" when the statement starts otherwise).
  // Executable comments count as SQL (sql/lexer.hpp).
  std::string first_keyword;
  // The server commits the open transaction before it runs
  // (CausesImplicitCommit, chimp/sql_splitter.hpp).
  bool commits_implicitly = false;
  // Runs alone in a DDL step, outside a group of DML: it commits
  // implicitly, ends or opens a transaction itself (COMMIT, ROLLBACK, XA,
  // SAVEPOINT, RELEASE, BEGIN, START, LOCK, UNLOCK, SET ... autocommit), or
  // runs other statements that may commit (CALL, EXECUTE). Never a "use".
  bool runs_alone = false;
  // Skipped on resume but run again: it only sets the session's state (a
  // "use", or SET of session or user variables without GLOBAL, PASSWORD,
  // ROLE, AUTOCOMMIT, TRANSACTION, STATEMENT or a SELECT).
  bool replays_on_resume = false;
  // Transaction control, LOCK and SET: changes no schema object, so running
  // it again on a fresh session is what a resume needs anyway.
  bool changes_no_schema = false;
  // The objects a DDL statement names (empty and not probeable otherwise).
  DdlShape ddl;
  // ProbeHoldsAcrossOthers(ddl): its probe may share a pre-image write.
  bool probe_holds_across_others = false;
  // The routine a CALL names; nullopt for any other statement.
  std::optional<DdlObject> called_routine;
  // The table an INSERT, REPLACE or LOAD DATA writes into (InsertedTable,
  // sql/ddl_shape.hpp): its AUTO_INCREMENT counter is part of the state a
  // transaction changes (recovery/counters.hpp). nullopt otherwise.
  std::optional<DdlObject> inserted_table;
  // Leaves the session as it found it: a CREATE (not TEMPORARY), ALTER,
  // DROP (not of a database), RENAME, TRUNCATE, INSERT, REPLACE, UPDATE,
  // DELETE or SELECT that names no variable (no `@`), so it sets no session or user variable,
  // default database, temporary table, lock, prepared statement or
  // transaction. The next step may then keep the session
  // (exec/step_runner.cpp).
  bool leaves_session_as_is = false;
  // What a Galera cluster refuses or mishandles in it (kNone almost always).
  GaleraHazard galera;
};

// Classifies one statement the splitter returned.
StatementInfo Classify(const SqlStatement& statement);
// Classifies the text of one query (SqlStatement::Kind::kQuery).
StatementInfo Classify(std::string_view text);

// True when the statement is a CALL of a routine that matches one of
// `patterns` (RoutineMatches, sql/ddl_shape.hpp).
bool IsRerunnableCall(const StatementInfo& info, const std::vector<std::string>& patterns);

// A statement and its class, as the statement source returns them.
struct ClassifiedStatement {
  SqlStatement statement;
  StatementInfo info;
};

}  // namespace chimp::internal

#endif  // CHIMP_SQL_STATEMENT_INFO_HPP_
