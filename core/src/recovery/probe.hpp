// Probes: a fingerprint of the objects a DDL statement names, so that after
// a crash chimp can tell whether the statement that was running took
// effect (doc/recovery.md).
//
// Before a DDL statement runs, the executor records the fingerprint of the
// objects it names (its pre-image, recovery/pre_image.hpp) with the
// statement index. On resume, a fingerprint that still equals the pre-image
// means the statement did not take effect (run it); a different one means
// it did (skip it). What the statement names is read once by the
// classifier (sql/ddl_shape.hpp).
#ifndef CHIMP_RECOVERY_PROBE_HPP_
#define CHIMP_RECOVERY_PROBE_HPP_

#include <optional>
#include <string>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"
#include "sql/ddl_shape.hpp"

namespace chimp::internal {

// A fingerprint of the current definition of every object in `shape`:
// "sha256:<hex>" over, per object, its kind, resolved name and either
// "absent" or its SHOW CREATE text (AUTO_INCREMENT counters removed).
// Names without a schema resolve against the session's current database.
// Runs read-only queries on `conn`. `current`, when given, keeps the
// session's current database across calls (read once, when first needed):
// for probes of several statements that run with the same one.
Result<std::string> ProbeFingerprint(Connection& conn, const DdlShape& shape,
                                     std::optional<std::string>* current = nullptr);

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_PROBE_HPP_
