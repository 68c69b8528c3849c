// OpenTarget: how every pipeline opens its target database (private to
// core): the connection, the changelog on it and, when asked, the run lock
// and the plugins.
#ifndef CHIMP_ENGINE_TARGET_HPP_
#define CHIMP_ENGINE_TARGET_HPP_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/lock.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"
#include "lock/galera.hpp"
#include "lock/run_owner.hpp"

namespace chimp::internal {

// What a pipeline needs beyond a connection and the changelog.
struct TargetNeeds {
  // Take the migration lock, under a new run id, on a session of its own,
  // so that whatever a step does to its session (a lost connection, a KILL)
  // cannot release it mid-run; then wait until the previous owner's
  // sessions are gone and record this run as the owner (lock/run_owner.hpp),
  // and bound the work session's lock waits (options.lock_wait_timeout).
  // Default: no lock (read-only pipelines).
  bool lock = false;
  // Told who holds the lock while waiting for it.
  std::function<void(const LockHolder&)> on_wait;
  // Load the plugins of options.plugin_dirs (after the lock). Default: no.
  bool catalog = false;
  // With the lock: record the run as the owner at once (RunOwnership::Claim,
  // a write to chimp_state). `migrate` claims later, after its pre-flight
  // checks, which must come before any write. Default: yes.
  bool claim = true;

  // Read-only pipelines that judge the changelog against the plugins.
  static TargetNeeds WithCatalog() {
    TargetNeeds needs;
    needs.catalog = true;
    return needs;
  }
  // Pipelines that write: the lock, and the plugins when `catalog`.
  static TargetNeeds Locked(std::function<void(const LockHolder&)> on_wait, bool catalog = true) {
    TargetNeeds needs;
    needs.lock = true;
    needs.on_wait = std::move(on_wait);
    needs.catalog = catalog;
    return needs;
  }
};

// An open target. Members are destroyed in reverse order: the catalog, the
// lock before its session, the changelog before its connection.
struct Target {
  std::unique_ptr<Connection> conn;      // the session steps and the changelog use
  std::unique_ptr<Changelog> changelog;  // on *conn; tables not ensured
  std::string run_id;                    // "" without the lock
  std::unique_ptr<Connection> lock_conn;
  std::unique_ptr<RunLock> lock;        // on *lock_conn; null without the lock
  std::unique_ptr<RunOwnership> owner;  // on *conn; null without the lock
  std::unique_ptr<Catalog> catalog;     // null unless asked for
  GaleraNode galera;                    // read with the lock; `on` false without it

  // What ExecutePlan checks around statements: the lock, the lock-wait
  // bound and its watcher. REQUIRES: the lock is held.
  ExecutionGuard Guard(const EngineOptions& options) const;
};

// Checks the options name a target (RequireTarget), connects without a
// default database, builds the changelog of options.database in
// options.changelog_schema and takes what `needs` asks for, in that order.
// With the lock, first reads whether the server is a Galera node (galera),
// prepares the work session for it (PrepareGaleraSession) and takes the
// lock kind that fits (LockKindFor): InvalidArgument for a named lock there.
// Errors: InvalidArgument (no target), Unavailable (no server), LockTimeout,
// the plugin loader's errors.
Result<Target> OpenTarget(const EngineOptions& options, TargetNeeds needs = {});

// Runs `body` in a transaction on `conn`: commits when it succeeds, rolls
// back and returns its error when it fails.
Status InTransaction(Connection& conn, const std::function<Status()>& body);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_TARGET_HPP_
