#include "util/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

namespace chimp {

namespace {

std::atomic<int> first_signal{0};

struct WorkConnection {
  std::mutex mutex;
  const Connection* conn = nullptr;  // only compared, never used
  uint64_t thread_id = 0;
  std::optional<ConnectionOptions> options;
};

WorkConnection& Work() {
  static WorkConnection* work = new WorkConnection();  // never destroyed: the thread may outlive main()
  return *work;
}

void Say(const std::string& text) {
  const std::string line = "chimp: " + text + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

// Kills the statement the work connection runs, from a connection of its own.
void KillRunningStatement() {
  std::optional<ConnectionOptions> options;
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(Work().mutex);
    options = Work().options;
    id = Work().thread_id;
  }
  if (!options.has_value() || id == 0) return;
  ConnectionOptions fresh = *options;
  fresh.connect_timeout_s = 5;
  auto killer = Connection::Open(fresh);
  if (!killer.ok()) {
    Say("could not connect to kill the running statement: " + killer.status().message());
    return;
  }
  auto killed = (*killer)->Execute("KILL QUERY " + std::to_string(id));
  if (!killed.ok() && (*killer)->LastErrorNumber() != 1094) {  // 1094: the session is gone already
    Say("KILL QUERY " + std::to_string(id) + " failed: " + killed.status().message());
  }
}

void WaitForSignals(sigset_t set) {
  for (;;) {
    int sig = 0;
    if (::sigwait(&set, &sig) != 0) continue;
    int expected = 0;
    if (first_signal.compare_exchange_strong(expected, sig)) {
      Say(SignalName(sig) + " received: stopping after the current statement; send it again to stop now");
      continue;
    }
    Say(SignalName(sig) + " received again: stopping now (killing the running statement on the server)");
    KillRunningStatement();
  }
}

}  // namespace

void InstallInterruptHandling() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(WaitForSignals, set).detach();
}

int InterruptSignal() { return first_signal.load(); }

std::string SignalName(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal " + std::to_string(signal);
  }
}

namespace internal {

void NoteWorkConnection(const Connection& conn) {
  std::lock_guard<std::mutex> lock(Work().mutex);
  if (Work().conn == &conn && Work().thread_id == conn.ThreadId()) return;
  Work().conn = &conn;
  Work().thread_id = conn.ThreadId();
  Work().options = conn.Options();
}

}  // namespace internal
}  // namespace chimp
