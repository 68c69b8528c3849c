// Taking the run lock a command's options ask for, and what the lock
// units share (private to core).
#ifndef CHIMP_LOCK_RUN_LOCK_HPP_
#define CHIMP_LOCK_RUN_LOCK_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "chimp/lock.hpp"
#include "chimp/options.hpp"

namespace chimp::internal {

// AcquireRunLock of a kind already resolved (kNamed or kLease; kAuto is
// taken as kNamed): no look at the server's wsrep settings.
Result<std::unique_ptr<RunLock>> AcquireResolvedRunLock(Connection& conn, const RunLockOptions& options,
                                                        std::function<void(const LockHolder&)> on_wait);

// Takes the migration lock of options.database of kind `kind` (resolved:
// LockKindFor, lock/galera.hpp) on
// `conn` for run `run_id`, waiting up to options.lock_timeout (`on_wait` is
// told who holds it). The caller owns the returned lock; releasing or
// destroying it frees the lock. Errors: LockTimeout (another run holds it),
// InvalidArgument (no run id, no database, a lease under 1 s), the server's.
// REQUIRES: `conn` outlives the lock and stays open while it is held.
Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, LockKind kind, Connection& conn,
                                             const std::string& run_id, std::function<void(const LockHolder&)> on_wait);

// LockTimeout "<lock> was lost: <why>; this run stopped before its next
// statement. Run the command again: ...": how both lock kinds report a
// lost lock (RunLock::CheckHeld). `lock` is e.g. "migration lock 'chimp:app'".
Status LostLock(const std::string& lock, const std::string& why);

// This machine's name (gethostname), "unknown" when it has none: how a
// run says where it runs (the lease row, chimp_state's owner columns).
std::string HostName();

// A wait as the lock messages print it: "60 s", "0.5 s". Pure.
std::string FormatSeconds(std::chrono::milliseconds d);

}  // namespace chimp::internal

#endif  // CHIMP_LOCK_RUN_LOCK_HPP_
