// FingerprintRecorder: the schema fingerprints a run records after its
// last edge and after each edge that declares them (chimp_fingerprints,
// doc/changelog.md; the executor decides when), and the check of the
// fingerprints an edge declares (Edge::target_fingerprint, ABI 1.4).
//
// The schemas fingerprinted at a Record are the target database, every
// schema a step since the last Record names as its database, in a DDL
// statement (`CREATE TABLE other.t`, `CREATE DATABASE other`) or a CALL,
// and, when one of those steps is native code or a CALL (which may write
// any schema unseen in the statements), every schema already recorded for
// the target. A schema none of them can have written keeps its last row;
// so does every schema when those steps change only rows (no DDL, CALL or
// native code), except at a run's first Record, which always records.
// System schemas and the changelog schema are never fingerprinted.
#ifndef CHIMP_EXEC_FINGERPRINT_RECORD_HPP_
#define CHIMP_EXEC_FINGERPRINT_RECORD_HPP_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// One declared fingerprint: the schema ("" = the target) and "sha256:<hex>".
using DeclaredFingerprint = std::pair<std::string, std::string>;

// Parses Edge::target_fingerprint: blank- or comma-separated entries,
// each "sha256:<64 hex>" (the target) or "schema=sha256:<64 hex>".
// Errors: InvalidArgument naming the entry that is not one.
Result<std::vector<DeclaredFingerprint>> ParseDeclaredFingerprints(std::string_view text);

// The schemas a step writes besides the target: its database and the
// schemas its DDL statements and CALLs name. Splits the step's SQL.
struct StepSchemas {
  std::set<std::string> named;
  // Native code or a CALL: it may write any schema, so every schema
  // recorded for the target is fingerprinted again.
  bool may_write_any = false;
};
StepSchemas SchemasOfStep(const Step& step);

// REQUIRES: the references outlive the recorder. [main-thread]
class FingerprintRecorder {
 public:
  FingerprintRecorder(Connection& conn, Changelog& changelog, std::string target_db, std::string run_id)
      : conn_(conn), changelog_(changelog), target_db_(std::move(target_db)), run_id_(std::move(run_id)) {}

  // Step `step` ran: its schemas are fingerprinted at the next Record.
  void StepRan(const Step& step);
  // Fingerprints and records the schemas after `from` -> `to` (see above),
  // then checks `declared` (Edge::target_fingerprint) against them: a
  // mismatch is CheckFailed naming the schema, both fingerprints and, when
  // the changelog holds the form declared, the differences.
  Status Record(const Version& from, const Version& to, const std::string& declared);
  // True when a step ran since the last Record.
  bool pending() const { return pending_; }

 private:
  Status CheckDeclared(const Version& to, const std::string& declared, const std::vector<SchemaForm>& forms);

  Connection& conn_;
  Changelog& changelog_;
  std::string target_db_;
  std::string run_id_;
  std::set<std::string> touched_;
  bool any_ = false;             // a step since the last Record may have written any schema
  bool changes_schema_ = false;  // a step since the last Record has DDL, a CALL or native code
  bool recorded_once_ = false;   // this run recorded (the first edge always does)
  bool pending_ = false;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_FINGERPRINT_RECORD_HPP_
