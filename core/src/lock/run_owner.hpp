// RunOwnership: which run owns a target right now, recorded in its
// chimp_state row, so that a run that takes the lock can make sure the
// previous owner's sessions are gone before it decides anything (issue 10,
// items 2 and 3). Private to core.
//
// A lock says who may start; it does not say that the last holder stopped.
// A killed chimp leaves its statement running on the server (a long ALTER),
// and a run whose lock session died (KILL, wait_timeout, a proxy) may still
// be in the middle of a statement on its work session. So a run that takes
// the lock first reads the previous owner (its run id, its work and lock
// connection ids, the server's start time) and waits until none of those
// sessions exists any more; only then does it record itself as the owner
// (one compare-and-set update per run) and go on.
//
// Rationale: connection ids start again at 1 after a server restart, so the
// record keeps the server's start time (now - UPTIME); after a restart the
// old sessions are gone whatever their ids. And ids are per server: on a
// Galera cluster a run that resumes through another node would find other
// sessions under the dead run's ids, so the record names the server too
// (hostname, port, socket), and a previous owner on another server is not
// looked for (its sessions are not visible from here).
#ifndef CHIMP_LOCK_RUN_OWNER_HPP_
#define CHIMP_LOCK_RUN_OWNER_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// The owner columns of chimp_state (doc/changelog.md).
struct RunOwner {
  std::string run_id;  // "" when no run recorded itself
  uint64_t work_connection = 0;
  uint64_t lock_connection = 0;
  int64_t server_started = 0;  // UNIX time the server started (now - UPTIME)
  // "<hostname>:<port>:<socket>" of the server those ids are from; "" when
  // an older chimp recorded the owner.
  std::string server;
};

// REQUIRES: every reference outlives the object; the caller holds the
// migration lock of changelog.target() on `lock_conn`. [main-thread]
class RunOwnership {
 public:
  RunOwnership(Connection& work, Connection& lock_conn, Changelog& changelog, std::string run_id)
      : work_(work), lock_conn_(lock_conn), changelog_(changelog), run_id_(std::move(run_id)) {}

  // Reads the previous owner and waits, polling every 250 ms, until none of
  // its sessions is in information_schema.PROCESSLIST (sessions of another
  // account are invisible without the PROCESS privilege and are not waited
  // for). Logs what it waits for (connection, command, state, query, for
  // how long) at once and every 10 s. OK at once without changelog tables.
  // Errors: LockTimeout after `timeout`, naming the sessions; the server's.
  Status WaitForPrevious(std::chrono::seconds timeout);

  // Records this run as the owner, if the previous owner is still the one
  // WaitForPrevious read. A no-op once done, and while the target has no
  // chimp_state row yet (call it again after Changelog::EnsureTables).
  // Adds the owner columns to an older chimp_state. Errors: LockTimeout
  // when another run recorded itself in between; the server's.
  Status Claim();

 private:
  // How many of the owner columns chimp_state has (0 to kOwnerColumnCount).
  Result<int64_t> StateColumns();
  // The server `conn` is on: its start time and name (RunOwner's fields).
  Result<RunOwner> ThisServer(Connection& conn);

  Connection& work_;
  Connection& lock_conn_;
  Changelog& changelog_;
  std::string run_id_;
  RunOwner previous_;
  bool claimed_ = false;
};

}  // namespace chimp::internal

#endif  // CHIMP_LOCK_RUN_OWNER_HPP_
