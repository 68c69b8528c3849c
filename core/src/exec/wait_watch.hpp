// WaitWatch: says what a statement of a run waits for when it waits for a
// lock (issue 10, item 8). Private to core.
//
// One thread per run, on a connection of its own (Connector/C connections
// are per thread), opened the first time it looks. The run arms it when a
// statement starts and disarms it when it ends: two atomic stores, no
// system call, since this happens for every statement. Twice a second the
// thread reads them; once a statement has run for kQuiet (2 s) it looks at
// the run's session in information_schema.PROCESSLIST. When that session
// waits for a lock (a metadata, table or backup lock, or an InnoDB row
// lock) it logs the statement, how long it has waited, the bound
// (--lock-wait-timeout) and the sessions with an open transaction, which
// are who holds it: once, then every 10 s. With an observer it also tells
// it, at every look, what the server says the session does
// (ExecutionObserver::OnActivity, on this thread).
#ifndef CHIMP_EXEC_WAIT_WATCH_HPP_
#define CHIMP_EXEC_WAIT_WATCH_HPP_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "chimp/connection.hpp"
#include "chimp/executor.hpp"

namespace chimp::internal {

class WaitWatch {
 public:
  // Starts the thread. `watched` is the run's session (its CONNECTION_ID);
  // `bound` its lock_wait_timeout, for messages. `observer`, when not null,
  // outlives the WaitWatch.
  WaitWatch(ConnectionOptions options, uint64_t watched, std::chrono::seconds bound,
            ExecutionObserver* observer = nullptr);
  // Stops and joins the thread.
  ~WaitWatch();
  WaitWatch(const WaitWatch&) = delete;
  WaitWatch& operator=(const WaitWatch&) = delete;

  // A statement starts / ended on the watched session. [main-thread]
  void Arm();
  void Disarm();

 private:
  void Loop();
  // Looks at the watched session once; logs when it waits for a lock and
  // the last message is older than 10 s (or there was none for this
  // arming); tells the observer what it saw.
  void Look(int64_t armed_at_ns);
  // Logs that the session waits for a lock, and who holds it; returns the
  // message.
  std::string TellLockWait(const std::string& state, const std::string& query, int64_t seconds, bool row_wait);

  ConnectionOptions options_;
  uint64_t watched_;
  std::chrono::seconds bound_;
  ExecutionObserver* observer_;
  std::atomic<int64_t> armed_at_ns_{0};  // steady_clock of the statement's start; 0 = none runs
  std::unique_ptr<Connection> conn_;     // the thread's own
  int64_t told_for_ = 0;                 // the arming last told about
  std::chrono::steady_clock::time_point told_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_WAIT_WATCH_HPP_
