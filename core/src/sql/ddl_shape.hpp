// DdlShape: what a DDL statement changes, read from its tokens: the objects
// it creates, changes or drops, and whether running it twice is harmless.
// Part of the classifier (statement_info.hpp), which fills it once per
// statement; recovery/ probes the objects it names (doc/recovery.md).
#ifndef CHIMP_SQL_DDL_SHAPE_HPP_
#define CHIMP_SQL_DDL_SHAPE_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/token_cursor.hpp"

namespace chimp::internal {

// One object a DDL statement names, unquoted.
struct DdlObject {
  // kAccount: a user account (sql/account_shape.hpp); its host is `schema`.
  enum class Kind { kTable, kView, kProcedure, kFunction, kTrigger, kEvent, kDatabase, kAccount };
  Kind kind = Kind::kTable;
  std::string schema;  // "" = the session's current database
  std::string name;

  bool operator==(const DdlObject&) const = default;
};

// What one DDL statement changes (ParseDdl).
struct DdlShape {
  // The objects whose definition the statement creates, changes or drops.
  std::vector<DdlObject> objects;
  // True when `objects` is all the statement changes, so a probe decides.
  bool probeable = false;
  // True when running the statement twice leaves the same state as once.
  bool idempotent = false;
};

// Reads the statement's leading keywords and object names from `tokens`
// (from its start).
DdlShape ParseDdl(TokenCursor tokens);

// True when `shape` (probeable) still names all its statement changes when
// other statements on other objects run between the probe and the
// statement, so that one write can carry the pre-images of several
// statements: not for DATABASE statements (they change every object in
// the schema), RENAME TABLE, or an ALTER that renames or exchanges a
// partition (a second table changes). `tokens` are the whole statement's.
bool ProbeHoldsAcrossOthers(TokenCursor tokens, const DdlShape& shape);

// The routine a CALL names, or nullopt when the statement is no CALL.
std::optional<DdlObject> CalledRoutine(TokenCursor tokens);

// The table an INSERT, REPLACE or LOAD DATA/XML statement writes its rows
// into (where AUTO_INCREMENT values are taken), or nullopt for any other
// statement. An INSERT ... SELECT names its target first.
std::optional<DdlObject> InsertedTable(TokenCursor tokens);

// True when an object of `a` may be an object of `b`: same namespace (a
// view shares the tables'), same name (ignoring case), and the same schema
// or either unqualified. A DATABASE object overlaps everything.
bool Overlap(const std::vector<DdlObject>& a, const std::vector<DdlObject>& b);

// True when `routine` matches one of `patterns` (lower-case globs, `*` =
// any run of characters; "schema.name", or "name", which matches in any
// schema): a plugin's re-runnable routines (PluginInfo::rerunnable_calls).
bool RoutineMatches(const DdlObject& routine, const std::vector<std::string>& patterns);

// For tests and one-off readers of a lone text: the same as the classifier
// gives (statement_info.hpp). The executor reads StatementInfo instead.
DdlShape ParseDdl(std::string_view statement);
bool ProbeHoldsAcrossOthers(std::string_view statement, const DdlShape& shape);
bool IsRerunnableCall(std::string_view statement, const std::vector<std::string>& patterns);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_DDL_SHAPE_HPP_
