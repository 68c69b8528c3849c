// The exit codes of the chimp command. They are part of its interface:
// scripts branch on them, so a code never changes meaning and new codes are
// only appended. README "Exit codes" copies this table.
//
//   code  meaning                          from
//   ----  -------------------------------  ----------------------------------
//    0    success (also "nothing to do")   StatusCode::kOk
//    1    internal error (a bug in chimp)  kInternal, unexpected exceptions
//    2    usage or configuration error     bad flag or value, bad config
//         (bad flag, bad config, bad       file, bad version string, missing
//         version string, missing file)    file: kInvalidArgument, kNotFound
//    3    plugin error                     kPluginError
//    4    planning error (no path, cycle,  kPlanError
//         downgrade, conflicting graph)
//    5    database error (the server       kDatabaseError
//         refused a statement or login)
//    6    server unavailable (retry)       kUnavailable
//    7    lock timeout: another run holds  kLockTimeout
//         the migration lock (retry); also
//         its sessions still run, or this
//         run lost its lock
//    8    a migration step failed; the     kStepFailed
//         changelog records where
//    9    failed precondition: fix the     kFailedPrecondition
//         database state first (e.g. a
//         checksum mismatch)
//   10    backup failed: migrate --backup  kBackupFailed
//         could not dump; nothing was run
//         (also: rehearse could not copy
//         the database to its server)
//   11    a check failed: a pre-flight or  kCheckFailed
//         sanity check (SQL or native)
//         found the data not as required;
//         drift (check, validate, status,
//         fingerprint); a schema that is
//         not the fingerprint its plugin
//         declares (migrate)
//   12    interrupted: SIGINT, SIGTERM or  chimp/interrupt.hpp (any code of a
//         SIGHUP stopped the run; the      run that a signal stopped)
//         changelog records where; run
//         migrate again to resume
//   13    not fully verified: plugins      tools/cmd_plugins.cpp (a report
//         verify could not apply an edge   that is not complete(); also
//         (its from-version unreachable)   --strict without a server)
//         and listed what it could not
//         check
//
// `status` prints its report and then exits non-zero when the target is not
// at a plannable state (tools/cmd_status.cpp Verdict): the plan error's code
// when it cannot plan (9 for a checksum mismatch, 4 for no path), else 8
// when a step's last attempt failed or was left running by a run that no
// longer holds the migration lock, else 11 on drift (the live schema is not
// the one recorded after the last edge). migrate on a drifted database
// exits 9 (a failed precondition) unless --accept-drift.
//
// A fleet run (tools/fleet.hpp) exits 0 when every target succeeded, else
// with the code of the first failing target in fleet order, or 12 when a
// signal stopped it.
#ifndef CHIMP_TOOLS_EXIT_CODES_HPP_
#define CHIMP_TOOLS_EXIT_CODES_HPP_

#include <string>

#include "chimp/status.hpp"

namespace chimp::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPlugin = 3;
inline constexpr int kExitPlan = 4;
inline constexpr int kExitDatabase = 5;
inline constexpr int kExitUnavailable = 6;
inline constexpr int kExitLockTimeout = 7;
inline constexpr int kExitStepFailed = 8;
inline constexpr int kExitFailedPrecondition = 9;
inline constexpr int kExitBackupFailed = 10;
inline constexpr int kExitCheckFailed = 11;
inline constexpr int kExitInterrupted = 12;
inline constexpr int kExitNotFullyVerified = 13;

// The exit code for a Status with `code`.
inline int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kNotFound: return kExitUsage;
    case StatusCode::kPluginError: return kExitPlugin;
    case StatusCode::kPlanError: return kExitPlan;
    case StatusCode::kDatabaseError: return kExitDatabase;
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kLockTimeout: return kExitLockTimeout;
    case StatusCode::kStepFailed: return kExitStepFailed;
    case StatusCode::kFailedPrecondition: return kExitFailedPrecondition;
    case StatusCode::kInternal: return kExitInternal;
    case StatusCode::kBackupFailed: return kExitBackupFailed;
    case StatusCode::kCheckFailed: return kExitCheckFailed;
  }
  return kExitInternal;
}

// One row per exit code: what `chimp --help` (ExitCodeHelp) and the man
// page (tools/manual.cpp) print, so that they cannot drift apart.
struct ExitCodeInfo {
  int code;
  const char* summary;  // the --help line
  const char* detail;   // the man page's paragraph
};
inline constexpr ExitCodeInfo kExitCodeTable[] = {
    {kExitOk, "success (also nothing to do)", "Success, also when there was nothing to do."},
    {kExitInternal, "internal error", "Internal error: a bug in chimp (an unexpected exception)."},
    {kExitUsage, "usage or configuration error",
     "Usage or configuration error: a bad flag or value, a bad config file or environment variable, a bad "
     "version string, a missing file, a refused --format."},
    {kExitPlugin, "plugin error", "Plugin error: a plugin failed to load, has the wrong ABI or bad descriptors."},
    {kExitPlan, "planning error", "Planning error: no path to the target, a cycle, a downgrade, a conflicting graph."},
    {kExitDatabase, "database error", "Database error: the server refused a statement or the login."},
    {kExitUnavailable, "server unavailable", "Server unavailable: retry later."},
    {kExitLockTimeout, "lock timeout (another run holds the lock)",
     "Lock timeout: another run holds the migration lock (retry), its sessions still run, or this run lost its "
     "lock."},
    {kExitStepFailed, "a migration step failed", "A migration step failed; the changelog records where."},
    {kExitFailedPrecondition, "failed precondition (e.g. checksum mismatch)",
     "Failed precondition: fix the database state first (e.g. a checksum mismatch: chimp validate, chimp repair "
     "--checksums)."},
    {kExitBackupFailed, "backup failed (migrate --backup; nothing was run)",
     "Backup failed: migrate --backup could not dump the database; nothing was run."},
    {kExitCheckFailed, "a check failed (pre-flight or sanity)",
     "A check failed: a pre-flight or sanity check (SQL or native) found the data not as required."},
    {kExitInterrupted, "interrupted by a signal (migrate again resumes)",
     "Interrupted: SIGINT, SIGTERM or SIGHUP stopped the run; the changelog records where; run migrate again to "
     "resume."},
    {kExitNotFullyVerified, "plugins verify: not every edge could be applied",
     "Not fully verified: plugins verify could not apply an edge (its from-version unreachable) and listed what "
     "it could not check; also --strict without a server."},
};

// What status's exit code means, after the table.
inline constexpr const char* kStatusExitNote =
    "status exits 9 or 4 when it cannot plan, 8 when a step failed or was left running\n"
    "by a dead run, 11 on drift (its report is printed either way).\n"
    "A fleet run (several --database, --databases, [[targets]]) exits 0 when every target\n"
    "succeeded, else with the code of the first failing target in fleet order.\n";

// The "Exit codes:" block of `chimp --help`, two columns, from kExitCodeTable.
std::string ExitCodeHelp();

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_EXIT_CODES_HPP_
