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
#ifndef CHIMP_TOOLS_EXIT_CODES_HPP_
#define CHIMP_TOOLS_EXIT_CODES_HPP_

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

// One line per code for `chimp --help`.
inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  success (also nothing to do)     5  database error\n"
    "  1  internal error                   6  server unavailable\n"
    "  2  usage or configuration error     7  lock timeout (another run holds the lock)\n"
    "  3  plugin error                     8  a migration step failed\n"
    "  4  planning error                   9  failed precondition (e.g. checksum mismatch)\n"
    "                                     10  backup failed (migrate --backup; nothing was run)\n"
    "                                     11  a check failed (pre-flight or sanity)\n"
    "                                     12  interrupted by a signal (migrate again resumes)\n"
    "                                     13  plugins verify: not every edge could be applied\n"
    "status exits 9 or 4 when it cannot plan, 8 when a step failed or was left running\n"
    "by a dead run, 11 on drift (its report is printed either way).\n";

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_EXIT_CODES_HPP_
