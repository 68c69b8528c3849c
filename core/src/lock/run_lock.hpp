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

// Takes the migration lock of options.database of options.lock_kind on
// `conn` for run `run_id`, waiting up to options.lock_timeout (`on_wait` is
// told who holds it). `conn` must outlive the lock.
Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, Connection& conn,
                                             const std::string& run_id,
                                             std::function<void(const LockHolder&)> on_wait);

// A wait for messages: "60 s", "0.5 s".
std::string FormatSeconds(std::chrono::milliseconds d);

}  // namespace chimp::internal

#endif  // CHIMP_LOCK_RUN_LOCK_HPP_
