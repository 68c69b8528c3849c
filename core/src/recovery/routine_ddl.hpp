// RoutineDdl: the one DDL statement a CALL runs through its procedure's
// dynamic SQL, so that a kill inside such a CALL is decided by probing what
// that statement names, as for a DDL statement written out in the script
// (recovery/probe.hpp, doc/recovery.md).
//
// A procedure qualifies when all its parameters are IN and its body is
// exactly
//   [DECLARE CONTINUE|EXIT HANDLER FOR <error number>[, ...] BEGIN END;]
//   SET @v = <expr>; [SET @v = <expr>; ...]
//   PREPARE s FROM @v; EXECUTE s; DEALLOCATE PREPARE s;
// where every <expr> is made only of CONCAT and CONCAT_WS calls, string
// literals, the parameters and (after the first SET) @v: the form of
// CloudStack's IDEMPOTENT_* procedures. The CALL's arguments must be
// literals. The server computes the text (one SELECT of the expression with
// the arguments in place: no table is read, nothing changes), so escapes,
// character sets and the sql_mode are the server's own. Names the statement
// leaves unqualified belong to the procedure's schema, the default database
// a routine runs in. The handler does not matter: when the statement did
// not take effect, running the CALL again is what the first run did.
#ifndef CHIMP_RECOVERY_ROUTINE_DDL_HPP_
#define CHIMP_RECOVERY_ROUTINE_DDL_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"
#include "sql/ddl_shape.hpp"

namespace chimp::internal {

// The statement a CALL runs through its procedure: its text and its shape
// (sql/ddl_shape.hpp), unqualified names given the procedure's schema.
struct CallDdl {
  std::string text;
  DdlShape shape;
};

// The statement the CALL `call_text` of `routine` (its class's
// called_routine) would run, or nullopt when the procedure, or the CALL, is
// not of the form above, or does not exist. Read-only queries on `conn`.
Result<std::optional<CallDdl>> ReadCallDdl(Connection& conn, std::string_view call_text, const DdlObject& routine);

// For tests: the SELECT that computes the statement from the CREATE
// PROCEDURE text (as SHOW CREATE PROCEDURE gives it) and the CALL's text,
// or nullopt when they are not of the form above.
std::optional<std::string> CallDdlQuery(std::string_view create_procedure, std::string_view call_text);

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_ROUTINE_DDL_HPP_
