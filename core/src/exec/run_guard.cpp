#include "exec/run_guard.hpp"

#include <string>

#include "lock/sessions.hpp"

namespace chimp::internal {

namespace {

constexpr uint32_t kErLockWaitTimeout = 1205;

}  // namespace

RunGuard::RunGuard(const ExecutionGuard& guard, Connection& work, ExecutionObserver* observer)
    : lock_(guard.lock),
      work_(work),
      bound_(guard.lock_wait_timeout),
      online_(guard.online),
      online_connection_(guard.online_connection) {
  if (guard.watch) watch_ = std::make_unique<WaitWatch>(guard.watcher, work.ThreadId(), bound_, observer);
}

Status RunGuard::ExplainLockWait(const Status& cause) const {
  if (cause.ok() || cause.server_errno() != kErLockWaitTimeout) return cause;
  std::string who;
  auto holders = FindLockHolders(work_, work_.ThreadId());
  if (holders.ok()) {
    for (const SessionInfo& s : *holders) who += (who.empty() ? "" : "; ") + DescribeSession(s);
  }
  if (who.empty()) who = "no session with an open transaction is visible now (it may have ended; PROCESS privilege?)";
  return Status::DatabaseError("the statement waited " + std::to_string(bound_.count()) +
                               " s for a lock, the bound (--lock-wait-timeout, [changelog] lock_wait_timeout), "
                               "and did not take effect; held by " +
                               who + ". Commit or end that transaction, then run migrate again (" + cause.message() +
                               ")")
      .WithCode(cause.code())
      .WithServerError(cause.server_errno(), cause.sqlstate());
}

}  // namespace chimp::internal
