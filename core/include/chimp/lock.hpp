// MigrationLock: the server-side named lock that keeps two migration runs on
// the same database apart (DESIGN.md "Transactions, honestly").
//
// The lock is a GET_LOCK() on one connection. The server releases it when
// that connection ends, so a crashed or killed chimp never leaves it behind.
// Rationale: a lock row in a table would outlive a crash and need a manual
// "unlock"; a named lock does not. Named locks are local to one server node:
// on Galera or behind a connection-switching proxy they do not exclude
// anything, and a lease row is used instead (not this class).
//
// Every function is [main-thread] for the connection it uses.
#ifndef CHIMP_LOCK_HPP_
#define CHIMP_LOCK_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "chimp/connection.hpp"
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

  // "connection 42 (root@localhost, Sleep for 12 s)"; "connection 42 (details
  // not visible: needs the PROCESS privilege)"; "nobody (the lock was free
  // when checked)".
  std::string ToString() const;
};

// The GET_LOCK name for `database`: "chimp:<database>". Names longer than 64
// bytes (the server's limit) are shortened to 64 bytes ending in "~" and a
// 16-hex-digit hash of the full name, so they stay distinct and stable.
std::string LockNameFor(std::string_view database);

// Who holds the named lock `lock_name` right now (IS_USED_LOCK, then
// information_schema.PROCESSLIST). connection_id == 0 when it is free.
Result<LockHolder> FindLockHolder(Connection& conn, std::string_view lock_name);

// RAII holder of the migration lock of one database. Released by
// Release() or the destructor (RELEASE_LOCK), and by the server when the
// connection ends.
class MigrationLock {
 public:
  // Takes GET_LOCK(LockNameFor(database), timeout) on `conn`. `conn` must
  // outlive the returned lock and stay open while it is held.
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
  static Result<std::unique_ptr<MigrationLock>> Acquire(
      Connection& conn, std::string_view database, std::chrono::seconds timeout,
      std::function<void(const LockHolder&)> on_wait = {});

  // Releases the lock if still held; errors are ignored (the server releases
  // it anyway when the connection ends). Use Release() to see them.
  ~MigrationLock();
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

  // Releases the lock now. FailedPrecondition when this connection no
  // longer held it (for instance after the connection was lost). Calling it
  // again is a no-op.
  Status Release();

  const std::string& name() const { return name_; }

 private:
  MigrationLock(Connection& conn, std::string name) : conn_(conn), name_(std::move(name)) {}

  Connection& conn_;
  std::string name_;
  bool held_ = true;
};

}  // namespace chimp

#endif  // CHIMP_LOCK_HPP_
