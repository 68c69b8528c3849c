#include "engine/target.hpp"

#include <utility>

#include "chimp/engine.hpp"
#include "engine/session.hpp"
#include "lock/run_lock.hpp"

namespace chimp::internal {

Result<Target> OpenTarget(const EngineOptions& options, TargetNeeds needs) {
  CHIMP_RETURN_IF_ERROR(RequireTarget(options));
  Target target;
  CHIMP_ASSIGN_OR_RETURN(target.conn, ConnectWithoutDatabase(options));
  target.changelog = std::make_unique<Changelog>(*target.conn, options.changelog_schema, options.database);
  if (needs.lock) {
    CHIMP_ASSIGN_OR_RETURN(target.lock_conn, ConnectWithoutDatabase(options));
    target.run_id = NewRunId();
    CHIMP_ASSIGN_OR_RETURN(target.lock,
                           TakeRunLock(options, *target.lock_conn, target.run_id, std::move(needs.on_wait)));
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
