// Schema fingerprints: a canonical description of what a schema holds, and
// its SHA-256, so that a schema changed by hand (drift) or reached by
// another route can be told apart from the one a version's plugins make
// (doc/operations.md "Drift", doc/changelog.md "chimp_fingerprints").
//
// The canonical form of one schema is a list of lines, one per object or
// part of an object, sorted bytewise and joined by "\n". Each line is
//
//   <object> TAB <attribute>=<value> TAB <attribute>=<value> ...
//
// with the object one of "table T", "column T.C", "index T.I",
// "foreign key T.F", "check T.C", "view V", "procedure P", "function F",
// "trigger T" and "event E", and the attributes in a fixed order per kind:
//
//   table       engine, collation, options (CREATE_OPTIONS: row_format=...,
//               partitioned, ... as given explicitly), comment
//   column      ordinal, type, nullable, default, extra, collation,
//               generated, comment
//   index       unique, type, columns (name[(prefix)][ DESC], in order),
//               comment
//   foreign key columns, references (table(columns)), on_update, on_delete
//   check       clause
//   view        definition, check_option, security, algorithm
//   procedure,  parameters (mode name type, in order), returns,
//   function    deterministic, data_access, security, body
//   trigger     table, timing, event, order, body
//   event       type, schedule, on_completion, status, body
//
// Left out, because they change without anyone changing the schema, or
// differ between two servers that hold the same schema: AUTO_INCREMENT
// counters, row counts and sizes, creation and update times, DEFINER
// (an operator's account is not the schema's shape; the SQL SECURITY that
// decides what a definer means is kept), routines' and triggers' sql_mode
// and character set of the client that created them, events' STARTS and
// ENDS and last run. The schema's own name is left out too: where a view,
// routine or trigger body names "`schema`." it is written "`.`", so a
// copy of a schema under another name (a rehearsal, restore --into) has
// the same fingerprint. chimp's own tables (chimp_changelog, chimp_state,
// chimp_repairs, chimp_backups, chimp_lock, chimp_fingerprints) are not
// part of any schema's form.
#ifndef CHIMP_FINGERPRINT_HPP_
#define CHIMP_FINGERPRINT_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp {

// One schema's canonical form and fingerprint.
struct SchemaForm {
  std::string schema;
  bool exists = false;      // false: the schema is not there (text "", still fingerprinted)
  std::string canonical;    // the sorted lines, "\n"-joined, no trailing newline
  std::string fingerprint;  // "sha256:<64 hex>" of `canonical`
};

// Several schemas at once: each one's form, and one fingerprint over all.
struct SchemaFingerprint {
  // "sha256:<hex>" of the schemas' forms in the order given, each as
  // "schema <name>\n<canonical>\n". With one schema it still differs from
  // that schema's own fingerprint (the name is in it); compare
  // schemas[i].fingerprint to compare one schema with its copy.
  std::string fingerprint;
  // The same text the fingerprint is taken over.
  std::string canonical;
  std::vector<SchemaForm> schemas;  // in the order given
};

// Reads the canonical form of each of `schemas` from information_schema:
// one query per schema (a UNION of the views it needs, filtered on that
// schema alone, so that MariaDB opens only its tables), and hashes it
// (OpenSSL SHA-256). A schema that does not exist has the empty form.
// Read only; runs on `conn` as it is (a read-only session is fine).
// Errors: DatabaseError naming the schema; Unavailable when the server is
// gone.
Result<SchemaFingerprint> FingerprintSchemas(Connection& conn, const std::vector<std::string>& schemas);

// One difference between two canonical forms of a schema.
struct SchemaDifference {
  enum class Change { kAdded, kRemoved, kChanged };
  Change change = Change::kChanged;
  std::string object;     // "column vm_instance.foo", "table t", "index t.i_x"
  std::string attribute;  // kChanged: the attribute that differs ("type", "columns"); "" otherwise
  std::string before;     // kChanged: its recorded value
  std::string after;      // kChanged: its live value
  // "cloud: column vm_instance.foo added", "cloud: index t.i_x changed
  // columns: a -> a,b"; values longer than 80 characters are shortened.
  std::string Describe(std::string_view schema) const;
};

// What differs from `before` to `after` (two SchemaForm::canonical texts):
// objects added or removed, and per object present in both every attribute
// whose value differs, in object order. Empty when the texts are equal.
std::vector<SchemaDifference> CompareForms(std::string_view before, std::string_view after);

}  // namespace chimp

#endif  // CHIMP_FINGERPRINT_HPP_
