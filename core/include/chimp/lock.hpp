// MigrationLock: the server-side named lock that keeps two migration runs on
// the same database apart (DESIGN.md "Transactions, honestly").
//
// The lock is a GET_LOCK() on one connection. The server releases it when
// that connection ends, so a crashed or killed chimp never leaves it behind.
// Rationale: a lock row in a table would outlive a crash and need a manual
// "unlock"; a named lock does not. Named locks are local to one server node:
// on Galera or behind a connection-switching proxy they do not exclude
// anything, and a lease row is used instead (LeaseLock, below; chosen by
// `[changelog] lock = "lease"`, and by the default "auto" on a Galera node).
// Both implement RunLock.
//
// Every function is [main-thread] for the connection it uses.
#ifndef CHIMP_LOCK_HPP_
#define CHIMP_LOCK_HPP_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "chimp/connection.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp {

// The session that holds a lock, as the server reports it.
struct LockHolder {
  uint64_t connection_id = 0;  // 0: nobody held it when checked
  std::string user;            // "" when not visible (needs PROCESS)
  std::string host;
  // information_schema.PROCESSLIST.TIME: seconds in its current state (for
  // an idle session, since its last statement). -1 when not visible.
  int64_t seconds_held_or_connected = -1;
  std::string command;  // PROCESSLIST.COMMAND, e.g. "Sleep", "Query"

  // Lease locks only (empty / -1 for the named lock): what the lease row
  // says. connection_id and user are then the holder's recorded session.
  std::string lease_owner;             // the holder's run id
  std::string lease_host;              // the holder's machine (gethostname)
  int64_t lease_pid = 0;               // the holder's process id on that machine
  std::string lease_acquired_at;       // server time
  int64_t lease_heartbeat_age_s = -1;  // seconds since the last heartbeat
  int64_t lease_expires_in_s = -1;     // seconds until it expires unless renewed (<0: expired)

  // "connection 42 (root@localhost, Sleep for 12 s)"; "connection 42 (details
  // not visible: needs the PROCESS privilege)"; "nobody (the lock was free
  // when checked)". For a lease: "run 5f0c... (pid 4242 on host web1,
  // connection 42 root@localhost) since 2026-11-21 15:00:00, last heartbeat
  // 2 s ago, expires in 28 s unless renewed".
  std::string ToString() const;
};

// The GET_LOCK name for `database`: "chimp:<database>". Names longer than 64
// bytes (the server's limit) are shortened to 64 bytes ending in "~" and a
// 16-hex-digit hash of the full name, so they stay distinct and stable.
std::string LockNameFor(std::string_view database);

// Who holds the named lock `lock_name` right now (IS_USED_LOCK, then
// information_schema.PROCESSLIST). connection_id == 0 when it is free.
Result<LockHolder> FindLockHolder(Connection& conn, std::string_view lock_name);

// The migration lock of one target database, whichever kind it is. Released
// by Release() or the destructor. [main-thread]
class RunLock {
 public:
  virtual ~RunLock() = default;
  // Releases the lock now; a second call is a no-op. FailedPrecondition
  // when the lock was no longer held (a lost connection, an expired lease).
  virtual Status Release() = 0;
  // OK while the lock is still ours. A named lock is not once its session
  // ended (a KILL, wait_timeout, a proxy); a lease is not once a heartbeat
  // found the row gone or taken over. Either is LockTimeout ("... was
  // lost: ..."), naming why and who has it now when known. Cheap enough to
  // call before every statement of a run (no round trip most times).
  virtual Status CheckHeld() = 0;
  // The lock's name for messages: "chimp:<db>" or "lease chimp.chimp_lock/<db>".
  virtual const std::string& name() const = 0;
};

struct RunLockOptions {
  LockKind kind = LockKind::kNamed;
  std::string database;  // the target database
  // How long to wait for another holder. Default: 60 s.
  std::chrono::seconds timeout{60};
  // Lease only: the schema holding chimp_lock (created when missing).
  std::string changelog_schema = "chimp";
  // Lease only: a lease not renewed for this long expires and may be taken
  // over. Heartbeats run every lease_ttl / 3 (at least 1 s). Default: 30 s.
  std::chrono::seconds lease_ttl{30};
  // Lease only: the owner recorded in the row (the run id).
  std::string owner;
  // Lease only: where the heartbeat thread connects (its own session).
  ConnectionOptions heartbeat_connection;
};

// Takes the lock of `options.kind` on `conn` (which must outlive the lock).
// kAuto takes the lease on a Galera node (wsrep_on = ON) and the named lock
// elsewhere; kNamed on a Galera node is InvalidArgument (the named lock
// excludes only runs on the same node). Errors as MigrationLock::Acquire /
// LeaseLock::Acquire.
Result<std::unique_ptr<RunLock>> AcquireRunLock(Connection& conn, const RunLockOptions& options,
                                                std::function<void(const LockHolder&)> on_wait = {});

// RAII holder of the migration lock of one database. Released by
// Release() or the destructor (RELEASE_LOCK), and by the server when the
// connection ends.
class MigrationLock : public RunLock {
 public:
  // Takes GET_LOCK(LockNameFor(database), timeout) on `conn`. `conn` must
  // outlive the returned lock and stay open while it is held; its session's
  // wait_timeout is raised to the server's maximum first, so that a server
  // that ends idle sessions (SET GLOBAL wait_timeout = 5) does not end the
  // lock's, which is idle by design.
  //
  // When the lock is not free within about 1 s (and `timeout` is longer),
  // calls `on_wait(holder)` once so that the caller can say who holds it,
  // then keeps waiting for the rest of `timeout`.
  //
  // Errors: LockTimeout when the lock is still held after `timeout`; the
  // message names the lock, the timeout and the holder. Unavailable or
  // DatabaseError from the connection.
  //
  // Note: named locks are re-entrant on one connection: acquiring twice on
  // the same `conn` succeeds and needs two releases.
  static Result<std::unique_ptr<MigrationLock>> Acquire(Connection& conn, std::string_view database,
                                                        std::chrono::seconds timeout,
                                                        std::function<void(const LockHolder&)> on_wait = {});

  // Releases the lock if still held; errors are ignored (the server releases
  // it anyway when the connection ends). Use Release() to see them.
  ~MigrationLock() override;
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

  // Releases the lock now. FailedPrecondition when this connection no
  // longer held it (for instance after the connection was lost). Calling it
  // again is a no-op.
  Status Release() override;

  // Polls the lock's session (Connection::PeerClosed) each call; asks the
  // server (IS_USED_LOCK) when the poll sees something, else at most once
  // a second.
  Status CheckHeld() override;

  const std::string& name() const override { return name_; }

 private:
  MigrationLock(Connection& conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  Status Lost(const std::string& why);

  Connection& conn_;
  std::string name_;
  bool held_ = true;
  std::string lost_;  // why the lock was lost ("" = held)
  std::chrono::steady_clock::time_point last_asked_ = std::chrono::steady_clock::now();
};

// LeaseLock: a lock row in `<schema>.chimp_lock` (one per target database)
// for servers where named locks do not exclude (Galera, where GET_LOCK is
// local to one node; proxies that switch backend connections).
//
// Acquire deletes the target's row when it has expired (its holder stopped
// renewing it: dead, hung or cut off) and inserts its own with INSERT IGNORE,
// so exactly one contender wins; the others poll every ~250 ms until the
// timeout. All times are the server's (NOW(6)), so the clocks of the
// machines running chimp do not matter. A heartbeat thread on a connection
// of its own renews the row (expires_at = NOW() + ttl) every ttl / 3; when a
// renewal finds the row gone or owned by someone else, the lease is lost and
// CheckHeld() says so. Release stops the heartbeat and deletes the row.
//
// Rationale: a crashed holder's row stays behind, unlike a named lock; the
// expiry bounds how long it blocks others (lease_ttl) without a manual unlock.
// The price: a holder cut off from the server for longer than the ttl loses
// the lease while it may still be running a statement.
class LeaseLock : public RunLock {
 public:
  // Creates `<schema>` and `chimp_lock` when missing, then takes the lease
  // of options.database for options.owner, waiting up to options.timeout;
  // `on_wait` is called once, after about 1 s, with the holder. `conn` must
  // outlive the lock. Errors: LockTimeout naming the holder (run, host, pid,
  // heartbeat age, expiry); Unavailable or DatabaseError; InvalidArgument
  // for an empty owner or database.
  static Result<std::unique_ptr<LeaseLock>> Acquire(Connection& conn, const RunLockOptions& options,
                                                    std::function<void(const LockHolder&)> on_wait = {});

  // Stops the heartbeat and deletes the row if it is still ours.
  ~LeaseLock() override;
  LeaseLock(const LeaseLock&) = delete;
  LeaseLock& operator=(const LeaseLock&) = delete;

  Status Release() override;
  Status CheckHeld() override;
  const std::string& name() const override { return name_; }

  // Test hook: stops renewing the lease without releasing it, as a hung
  // holder would.
  void TEST_StopHeartbeat();

 private:
  LeaseLock(Connection& conn, RunLockOptions options, std::string name);
  void HeartbeatLoop();
  void StopHeartbeat();

  Connection& conn_;
  RunLockOptions options_;
  std::string name_;
  bool held_ = true;
  std::thread heartbeat_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::string lost_;   // guarded by mu_: why the lease was lost ("" = held)
};

// Who holds the lease of `database` in `schema`.chimp_lock right now
// (connection_id == 0 and lease_owner empty when nobody does).
Result<LockHolder> FindLeaseHolder(Connection& conn, std::string_view schema, std::string_view database);

namespace internal {
// LockHolder::ToString for a lease holder.
std::string LeaseHolderText(const LockHolder& holder);
}  // namespace internal

}  // namespace chimp

#endif  // CHIMP_LOCK_HPP_
