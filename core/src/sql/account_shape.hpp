// Account statements (CREATE/DROP/ALTER/RENAME USER, GRANT, REVOKE) as a
// DdlShape (sql/ddl_shape.hpp), so that a kill inside one is decided by
// looking, like DDL (doc/recovery.md):
//   - GRANT of privileges (... ON ... TO accounts) is idempotent: granting
//     again what is granted leaves the same grants;
//   - CREATE USER IF NOT EXISTS, CREATE OR REPLACE USER, DROP USER IF
//     EXISTS are idempotent;
//   - CREATE USER, DROP USER, ALTER USER, REVOKE of one account and RENAME
//     USER of one pair are probeable: the probe reads each account's
//     definition and grants (recovery/probe.hpp);
//   - the rest (several accounts in one statement, which a server crash
//     may leave half done, roles, CURRENT_USER, a statement longer than
//     the classifier reads) are left to the operator: nullopt for a GRANT
//     or REVOKE, a shape that is not probeable otherwise.
// Each account is a DdlObject of kind kAccount: name = user, schema = host
// (lower case; '%' when the statement gives none).
#ifndef CHIMP_SQL_ACCOUNT_SHAPE_HPP_
#define CHIMP_SQL_ACCOUNT_SHAPE_HPP_

#include <optional>

#include "sql/ddl_shape.hpp"
#include "sql/token_cursor.hpp"

namespace chimp::internal {

// The shape of an account statement, or nullopt when `tokens` (from the
// statement's start) is no account statement chimp reads.
std::optional<DdlShape> ParseAccountDdl(TokenCursor tokens);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_ACCOUNT_SHAPE_HPP_
