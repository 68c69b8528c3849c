#include "engine/target.hpp"

#include <utility>

#include "chimp/engine.hpp"
#include "engine/galera_plan.hpp"
#include "engine/session.hpp"
#include "lock/run_lock.hpp"

namespace chimp::internal {

namespace {

// The work session waits at most options.lock_wait_timeout for a metadata
// or row lock, and is not ended by a short server wait_timeout while the
// run waits (for the previous run, a backup, a native step's work).
Status BoundWaits(const EngineOptions& options, Connection& conn) {
  const std::string bound = std::to_string(options.lock_wait_timeout.count());
  return conn
      .SetSessionVariables("lock_wait_timeout = " + bound + ", innodb_lock_wait_timeout = " + bound +
                           ", wait_timeout = 31536000")
      .WithContext("setting the session's lock_wait_timeout (--lock-wait-timeout " + bound + ")");
}

}  // namespace

ExecutionGuard Target::Guard(const EngineOptions& options) const {
  ExecutionGuard guard;
  guard.lock = lock.get();
  guard.lock_wait_timeout = options.lock_wait_timeout;
  guard.watch = true;
  guard.watcher = options.connection;
  guard.watcher.database.clear();
  guard.online = options.online;
  guard.online_connection = guard.watcher;
  return guard;
}

Result<Target> OpenTarget(const EngineOptions& options, TargetNeeds needs) {
  CHIMP_RETURN_IF_ERROR(RequireTarget(options));
  Target target;
  CHIMP_ASSIGN_OR_RETURN(target.conn, ConnectWithoutDatabase(options));
  target.changelog = std::make_unique<Changelog>(*target.conn, options.changelog_schema, options.database);
  if (needs.lock) {
    // First: the work session may idle for the whole lock wait.
    CHIMP_RETURN_IF_ERROR(BoundWaits(options, *target.conn));
    CHIMP_ASSIGN_OR_RETURN(target.galera, DetectGalera(*target.conn));
    CHIMP_ASSIGN_OR_RETURN(LockKind kind, LockKindFor(target.galera, options.lock_kind, target.conn->Describe()));
    CHIMP_RETURN_IF_ERROR(PrepareGaleraSession(target.galera, *target.conn));
    CHIMP_ASSIGN_OR_RETURN(target.lock_conn, ConnectWithoutDatabase(options));
    target.run_id = NewRunId();
    CHIMP_ASSIGN_OR_RETURN(target.lock,
                           TakeRunLock(options, kind, *target.lock_conn, target.run_id, std::move(needs.on_wait)));
    target.owner = std::make_unique<RunOwnership>(*target.conn, *target.lock_conn, *target.changelog, target.run_id);
    CHIMP_RETURN_IF_ERROR(target.owner->WaitForPrevious(options.lock_timeout));
    if (needs.claim) CHIMP_RETURN_IF_ERROR(target.owner->Claim());
    CHIMP_RETURN_IF_ERROR(target.lock->CheckHeld());
  }
  if (needs.catalog) {
    CHIMP_ASSIGN_OR_RETURN(target.catalog, LoadCatalog(options));
  }
  return target;
}

Status InTransaction(Connection& conn, const std::function<Status()>& body) {
  CHIMP_RETURN_IF_ERROR(conn.Begin());
  Status done = body();
  if (!done.ok()) {
    Status ignored = conn.Rollback();
    (void)ignored;
    return done;
  }
  return conn.Commit();
}

}  // namespace chimp::internal
