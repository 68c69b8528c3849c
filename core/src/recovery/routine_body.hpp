// RoutineBody: whether a CALL may run inside a DDL step's group of DML, so
// that a kill rolls it back with the group (doc/recovery.md). Decided from
// the procedure's body as the server holds it now (SHOW CREATE PROCEDURE),
// never from a list.
//
// A body qualifies when none of its words (outside strings, comments and
// quoted names) is one that can commit, change a definition, an account or
// the transaction, leave the server's state outside the transaction, or run
// SQL chimp cannot read: CREATE, ALTER, DROP, RENAME, TRUNCATE, GRANT,
// REVOKE, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, START, LOCK, UNLOCK, XA,
// PREPARE, EXECUTE, DEALLOCATE, CALL, FLUSH, RESET, PURGE, INSTALL,
// UNINSTALL, ANALYZE, OPTIMIZE, REPAIR, CHECK, LOAD, CACHE, CHANGE, KILL,
// SHUTDOWN, BINLOG, BACKUP, AUTOCOMMIT, TRANSACTION, GLOBAL, PASSWORD, ROLE,
// OUTFILE, DUMPFILE, NEXTVAL, SETVAL, NEXT VALUE. A word of the list used as a plain column name makes
// the answer "no", which is safe: the CALL then runs alone, as before.
// And what the server holds must let a rollback undo the CALL as if it had
// not run: every table the body names is InnoDB, none has a trigger, no
// stored function has the name of a word of the body, and no table it
// inserts into has an AUTO_INCREMENT column (InnoDB keeps the values a
// rolled-back insert used, so a resume would give other ids than a clean
// run). Names match in every schema, which can only refuse too much.
#ifndef CHIMP_RECOVERY_ROUTINE_BODY_HPP_
#define CHIMP_RECOVERY_ROUTINE_BODY_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"
#include "sql/ddl_shape.hpp"

namespace chimp::internal {

// A procedure as the server holds it: its schema (resolved) and its CREATE
// PROCEDURE text as SHOW CREATE PROCEDURE gives it.
struct ProcedureText {
  std::string schema;
  std::string create;
};

// The procedure `routine` (a CALL's, sql/statement_info.hpp); nullopt when
// it does not exist or the caller may not read its body. A name without a
// schema resolves against the current database.
Result<std::optional<ProcedureText>> ShowProcedure(Connection& conn, const DdlObject& routine);

// True when the words of a CREATE PROCEDURE's body (as SHOW CREATE
// PROCEDURE gives it) allow it (the first rule above).
bool ChangesOnlyRows(std::string_view create_procedure);

// True when the procedure `routine` (a CALL's, sql/statement_info.hpp)
// exists, ChangesOnlyRows its definition and the server's tables allow it
// (above); false when it does not exist or its body cannot be read (no
// privilege). Runs read-only queries on `conn`; names without a schema
// resolve against the current database.
Result<bool> CallChangesOnlyRows(Connection& conn, const DdlObject& routine);

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_ROUTINE_BODY_HPP_
