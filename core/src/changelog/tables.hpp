// How the engine's own tables in the changelog schema are named and created:
// chimp_changelog, chimp_state, chimp_repairs, chimp_backups (changelog/) and
// the lease lock's chimp_lock (lock/). Each unit keeps its own column list;
// the schema, the quoting and the table options are decided here, once.
#ifndef CHIMP_CHANGELOG_TABLES_HPP_
#define CHIMP_CHANGELOG_TABLES_HPP_

#include <string>
#include <string_view>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// The quoted, qualified name: "`schema`.`table`".
std::string QualifiedName(std::string_view schema, const char* table);

// Creates the changelog schema if it does not exist (utf8mb4). The caller
// adds its own context to an error.
Status CreateSchema(Connection& conn, std::string_view schema);

// Creates `schema`.`table` if it does not exist, as InnoDB, utf8mb4_bin.
// `columns` is the inside of the parentheses: columns and keys. The caller
// adds its own context to an error. REQUIRES: the schema exists.
Status CreateTable(Connection& conn, std::string_view schema, const char* table, const char* columns);

}  // namespace chimp::internal

#endif  // CHIMP_CHANGELOG_TABLES_HPP_
