// What running a check step's condition and a step's session statements
// share between the executor (in-edge checks, recorded in the changelog;
// exec/step_runner.hpp) and the checks run outside a migration's steps
// (pre-flight, sanity; engine/check.hpp), which record nothing.
#ifndef CHIMP_EXEC_CHECK_RUN_HPP_
#define CHIMP_EXEC_CHECK_RUN_HPP_

#include <string>

#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// Runs the statements of `sql` on `conn`, split with the client rules and
// following the session's NO_BACKSLASH_ESCAPES and ANSI_QUOTES as it goes;
// errors carry `what`. "" runs nothing.
Status RunSessionSql(Connection& conn, const std::string& sql, const char* what);

// Runs check `step` of `edge` on `conn` in the session as it is: a function
// check through the services table (RunNativeStep), a query check by its
// rows: it passes when it returns at least one row and the first column of
// every row is true (not NULL, 0 or empty). Errors: CheckFailed naming the
// check and the first false row; StepFailed with the server's error when
// the query fails; Unavailable when the server is gone.
// REQUIRES: step.kind == StepKind::kCheck.
Status RunCheck(Connection& conn, const Step& step, const Edge& edge);

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_CHECK_RUN_HPP_
