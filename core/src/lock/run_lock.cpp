#include "lock/run_lock.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace chimp::internal {

Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, LockKind kind, Connection& conn,
                                             const std::string& run_id,
                                             std::function<void(const LockHolder&)> on_wait) {
  RunLockOptions lock;
  lock.kind = kind;
  lock.database = options.database;
  lock.timeout = options.lock_timeout;
  lock.changelog_schema = options.changelog_schema;
  lock.lease_ttl = options.lease_ttl;
  lock.owner = run_id;
  lock.heartbeat_connection = options.connection;
  lock.heartbeat_connection.database.clear();
  return AcquireResolvedRunLock(conn, lock, std::move(on_wait));
}

Status LostLock(const std::string& lock, const std::string& why) {
  return Status::LockTimeout(lock + " was lost: " + why +
                             "; this run stopped before its next statement. Run the command again: it waits for "
                             "this run's sessions to end, then resumes (doc/operations.md)");
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::string FormatSeconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace chimp::internal
