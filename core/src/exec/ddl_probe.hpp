// DDL probes: what a DDL statement changes, and a fingerprint of those
// objects, so that after a crash chimp can tell whether the statement that
// was running took effect.
//
// Before a DDL statement runs, the executor records the fingerprint of the
// objects it names (its "pre-image") with the statement index. On resume, a
// fingerprint that still equals the pre-image means the statement did not
// take effect (run it); a different one means it did (skip it). A statement
// whose objects cannot be named is decided by its syntax: idempotent forms
// (IF [NOT] EXISTS, OR REPLACE, TRUNCATE, ...) re-run; anything else stops
// and asks the operator (doc/recovery.md).
#ifndef CHIMP_EXEC_DDL_PROBE_HPP_
#define CHIMP_EXEC_DDL_PROBE_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

struct DdlObject {
  enum class Kind { kTable, kView, kProcedure, kFunction, kTrigger, kEvent, kDatabase };
  Kind kind = Kind::kTable;
  std::string schema;  // "" = the session's current database
  std::string name;

  bool operator==(const DdlObject&) const = default;
};

struct DdlShape {
  // The objects whose definition the statement creates, changes or drops.
  std::vector<DdlObject> objects;
  // True when `objects` is all the statement changes, so a probe decides.
  bool probeable = false;
  // True when running the statement twice leaves the same state as once.
  bool idempotent = false;
};

// Reads the statement's leading keywords and object names. Comments are
// skipped; MariaDB/MySQL executable comments (/*! ... */, /*M! ... */) are
// read as SQL.
DdlShape ParseDdl(std::string_view statement);

// True when `shape` (probeable) still names all its statement changes when
// other statements on other objects run between the probe and the
// statement, so that one write can carry the pre-images of several
// statements: not for DATABASE statements (they change every object in
// the schema), RENAME TABLE, or an ALTER that renames or exchanges a
// partition (a second table changes).
bool ProbeHoldsAcrossOthers(std::string_view statement, const DdlShape& shape);

// True when an object of `a` may be an object of `b`: same namespace (a
// view shares the tables'), same name (ignoring case), and the same schema
// or either unqualified. A DATABASE object overlaps everything.
bool Overlap(const std::vector<DdlObject>& a, const std::vector<DdlObject>& b);

// True when `statement` is a CALL of a routine that matches one of
// `patterns` (lower-case globs, `*` = any run of characters; "schema.name"
// or "name", which matches in any schema): a plugin's re-runnable routines
// (PluginInfo::rerunnable_calls).
bool IsRerunnableCall(std::string_view statement, const std::vector<std::string>& patterns);

// A fingerprint of the current definition of every object in `shape`:
// "sha256:<hex>" over, per object, its kind, resolved name and either
// "absent" or its SHOW CREATE text (AUTO_INCREMENT counters removed).
// Names without a schema resolve against the session's current database.
Result<std::string> ProbeFingerprint(Connection& conn, const DdlShape& shape);

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_DDL_PROBE_HPP_
