#include "lock/run_lock.hpp"

#include <utility>

namespace chimp::internal {

Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, Connection& conn,
                                             const std::string& run_id,
                                             std::function<void(const LockHolder&)> on_wait) {
  RunLockOptions lock;
  lock.kind = options.lock_kind;
  lock.database = options.database;
  lock.timeout = options.lock_timeout;
  lock.changelog_schema = options.changelog_schema;
  lock.lease_ttl = options.lease_ttl;
  lock.owner = run_id;
  lock.heartbeat_connection = options.connection;
  lock.heartbeat_connection.database.clear();
  return AcquireRunLock(conn, lock, std::move(on_wait));
}

}  // namespace chimp::internal
