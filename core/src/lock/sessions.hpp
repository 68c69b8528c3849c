// What the server says about other sessions (information_schema.PROCESSLIST),
// for messages about what a run waits for: a previous run's sessions
// (lock/run_owner.hpp) and the holder of a lock a statement waits for
// (exec/wait_watch.hpp). Private to core.
#ifndef CHIMP_LOCK_SESSIONS_HPP_
#define CHIMP_LOCK_SESSIONS_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// One row of information_schema.PROCESSLIST.
struct SessionInfo {
  uint64_t id = 0;
  std::string user;
  std::string host;
  std::string command;   // "Query", "Sleep", "Killed", ...
  int64_t seconds = -1;  // TIME: seconds in its current state
  std::string state;     // "copy to tmp table", "Waiting for table metadata lock", ...
  std::string query;     // INFO, "" when idle
  // Only from FindLockHolders: seconds since its open transaction started
  // (-1: none known).
  int64_t transaction_seconds = -1;
};

// "connection 42 (root@localhost, Query for 12 s, state 'copy to tmp
// table': ALTER TABLE t ...)"; an idle session in a transaction:
// "connection 7 (app@web1, idle in transaction for 30 s)".
std::string DescribeSession(const SessionInfo& session);

// The sessions among `ids` that exist now (those of other accounts only
// with the PROCESS privilege). Ids of 0 are ignored.
Result<std::vector<SessionInfo>> FindSessions(Connection& conn, const std::vector<uint64_t>& ids);

// The sessions other than `waiter` that may hold the lock `waiter` waits
// for: those with an open InnoDB transaction (information_schema.INNODB_TRX),
// oldest transaction first, at most 5. A transaction keeps the metadata lock
// of every table it touched until it ends, so an ALTER waits for exactly
// these.
Result<std::vector<SessionInfo>> FindLockHolders(Connection& conn, uint64_t waiter);

}  // namespace chimp::internal

#endif  // CHIMP_LOCK_SESSIONS_HPP_
