// RunGuard: what a run checks around every statement it sends (issue 10,
// items 2 and 8): that it still holds its lock, and what the statement
// waits for when it waits for a lock. Built by ExecutePlan from the
// public ExecutionGuard (chimp/executor.hpp); StepContext calls it. Private
// to core. [main-thread], except the WaitWatch's own thread.
#ifndef CHIMP_EXEC_RUN_GUARD_HPP_
#define CHIMP_EXEC_RUN_GUARD_HPP_

#include <memory>

#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/lock.hpp"
#include "chimp/status.hpp"
#include "exec/wait_watch.hpp"

namespace chimp::internal {

class RunGuard {
 public:
  // `work` is the run's session; `observer` (may be null) is told what a
  // long statement does (WaitWatch). REQUIRES: `guard.lock`, when set,
  // `work` and `observer` outlive the RunGuard.
  RunGuard(const ExecutionGuard& guard, Connection& work, ExecutionObserver* observer = nullptr);

  // Runs `send` (one statement, or a whole native step) as the run's next
  // statement: first checks that the lock is still held (RunLock::CheckHeld:
  // a lost lock is LockTimeout and `send` does not run), arms the lock-wait
  // watcher while it runs, and explains its error when it is a lock wait
  // timeout (ExplainLockWait). `send` returns a Status.
  template <typename Send>
  Status Run(Send&& send) const {
    if (lock_ != nullptr) CHIMP_RETURN_IF_ERROR(lock_->CheckHeld());
    if (watch_ != nullptr) watch_->Arm();
    Status sent = send();
    if (watch_ != nullptr) watch_->Disarm();
    return ExplainLockWait(sent);
  }
  // `cause` with what it waited for when it is a lock wait timeout (server
  // error 1205): the bound, the option that sets it and the sessions that
  // held a transaction open, read on `work`. Other errors unchanged.
  Status ExplainLockWait(const Status& cause) const;

  // Steps marked online: pt-online-schema-change's settings and where it
  // connects (ExecutionGuard::online, online_connection).
  const OnlineAlterOptions& online() const { return online_; }
  const ConnectionOptions& online_connection() const { return online_connection_; }
  // RunLock::CheckHeld, when the guard has a lock.
  Status CheckHeld() const { return lock_ != nullptr ? lock_->CheckHeld() : Status::Ok(); }

 private:
  RunLock* lock_;
  Connection& work_;
  std::chrono::seconds bound_;
  std::unique_ptr<WaitWatch> watch_;  // null when not asked for
  OnlineAlterOptions online_;
  ConnectionOptions online_connection_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_RUN_GUARD_HPP_
