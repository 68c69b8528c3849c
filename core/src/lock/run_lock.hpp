// What the engine's commands share for locking (private to core).
#ifndef CHIMP_EXEC_MAINTENANCE_HPP_
#define CHIMP_EXEC_MAINTENANCE_HPP_

#include <functional>
#include <memory>
#include <string>

#include "chimp/engine.hpp"

namespace chimp::internal {

// Takes the migration lock of options.database of options.lock_kind on
// `conn` for run `run_id`. `conn` must outlive the lock.
Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, Connection& conn,
                                             const std::string& run_id,
                                             std::function<void(const LockHolder&)> on_wait);

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_MAINTENANCE_HPP_
