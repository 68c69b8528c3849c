// PreImage: what the changelog records of a statement before it is sent,
// so that a resume can tell whether it took effect (doc/recovery.md).
//
// Stored in chimp_changelog.pending_fingerprint as text, in this format
// (EncodePreImage / DecodePreImage round-trip it):
//   ""                      kNone: no statement in doubt
//   "idempotent"            kIdempotent: run it again (IF [NOT] EXISTS, OR
//                           REPLACE, SET, LOCK, a re-runnable CALL ...)
//   "rerun"                 kRerun: run it again (chimp repair
//                           --statement-not-done wrote it)
//   "unknown"               kUnknown: only the operator can tell
//   "sha256:<a> sha256:<b>" kProbe: the ProbeFingerprint of each statement
//                           from the recorded index on that one write
//                           covers (one for a lone statement)
#ifndef CHIMP_RECOVERY_PRE_IMAGE_HPP_
#define CHIMP_RECOVERY_PRE_IMAGE_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"
#include "sql/statement_info.hpp"

namespace chimp::internal {

struct PreImage {
  enum class Kind { kNone, kIdempotent, kRerun, kUnknown, kProbe };
  Kind kind = Kind::kNone;
  // kProbe only: "sha256:<hex>" per statement, in statement order.
  std::vector<std::string> fingerprints;

  bool is_probe() const { return kind == Kind::kProbe; }
  // Running the statement again is safe (kIdempotent, kRerun).
  bool reruns() const { return kind == Kind::kIdempotent || kind == Kind::kRerun; }

  bool operator==(const PreImage&) const = default;
};

// The changelog text of `image` (format above).
std::string EncodePreImage(const PreImage& image);
// Reads the changelog text back. Text in no known form reads as kNone.
PreImage DecodePreImage(std::string_view text);

// The objects a statement's probe reads: its own DDL shape; for a CALL of a
// procedure that runs one dynamic DDL statement (recovery/routine_ddl.hpp),
// that statement's. Read-only queries on `conn` for a CALL only.
Result<DdlShape> ProbeShape(Connection& conn, const ClassifiedStatement& statement);

// The pre-image of a statement that runs alone, taken before it is sent:
// kIdempotent for a re-runnable CALL (`rerunnable_calls`, the plugin's
// patterns), a statement that changes no schema, or an idempotent DDL
// form; kProbe with one fingerprint (a read-only probe on `conn`) for a
// probeable one; kUnknown otherwise. `*objects` gets what the pre-image
// covers (its ProbeShape's objects).
Result<PreImage> TakePreImage(Connection& conn, const ClassifiedStatement& statement,
                              const std::vector<std::string>& rerunnable_calls, std::vector<DdlObject>* objects);

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_PRE_IMAGE_HPP_
