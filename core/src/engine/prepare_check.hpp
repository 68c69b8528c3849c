// PrepareCheck: the server's parse of an edge that cannot be applied, for
// `plugins verify` (chimp/verify.hpp). Each SQL statement and check query is
// prepared (PREPARE, then DEALLOCATE; never executed) on an empty scratch
// database.
//
// What MariaDB checks at PREPARE (10.11): every statement is parsed; DDL is
// only parsed (ALTER, CREATE INDEX, DROP or RENAME of a missing table
// prepare); DML and CREATE VIEW open their tables and columns, so on an
// empty database they fail with 1146 (table doesn't exist) or 1054 (unknown
// column). Hence a parse error (1064, 1149, 4161 unknown data type) is a
// failure of the plugin, and any other refusal means "could not check
// without the from-version's schema". Session SETs (sql_mode, variables)
// are executed, as the rest of the script is parsed under them.
#ifndef CHIMP_ENGINE_PREPARE_CHECK_HPP_
#define CHIMP_ENGINE_PREPARE_CHECK_HPP_

#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/verify.hpp"

namespace chimp::internal {

// Prepares every statement of `edge` on database `db` (created here, and
// dropped by the caller), counting into out->statements and out->prepared
// and listing in out->unchecked what the server could not check; native
// steps are listed unchecked. The first parse error is appended to
// `problems` (StepFailed, "<where>: step 'id' statement k of n (file, line
// L: text): ..."), and the check stops there. Server or connection errors
// are appended with their own code.
void PrepareEdge(Connection& conn, const Edge& edge, const std::string& db, const std::string& where, VerifyEdge* out,
                 std::vector<VerifyProblem>* problems);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_PREPARE_CHECK_HPP_
