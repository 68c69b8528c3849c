#include "util/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace chimp {

namespace {

std::atomic<int> first_signal{0};

// One per thread that runs steps: a fleet run (README "Fleet runs") has a
// work connection per job, and a second signal kills every statement.
struct WorkSession {
  const Connection* conn = nullptr;  // only compared, never used
  uint64_t thread_id = 0;
  ConnectionOptions options;
};

struct WorkConnection {
  std::mutex mutex;
  std::map<std::thread::id, WorkSession> sessions;
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

// Kills the statement of every work connection, each from a connection of
// its own.
void KillRunningStatements() {
  std::vector<WorkSession> sessions;
  {
    std::lock_guard<std::mutex> lock(Work().mutex);
    for (const auto& [thread, session] : Work().sessions) sessions.push_back(session);
  }
  for (const WorkSession& session : sessions) {
    if (session.thread_id == 0) continue;
    ConnectionOptions fresh = session.options;
    fresh.connect_timeout_s = 5;
    auto killer = Connection::Open(fresh);
    if (!killer.ok()) {
      Say("could not connect to kill the running statement: " + killer.status().message());
      continue;
    }
    const std::string id = std::to_string(session.thread_id);
    auto killed = (*killer)->Execute("KILL QUERY " + id);
    if (!killed.ok() && (*killer)->LastErrorNumber() != 1094) {  // 1094: the session is gone already
      Say("KILL QUERY " + id + " failed: " + killed.status().message());
    }
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
    KillRunningStatements();
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
  WorkSession& session = Work().sessions[std::this_thread::get_id()];
  if (session.conn == &conn && session.thread_id == conn.ThreadId()) return;
  session.conn = &conn;
  session.thread_id = conn.ThreadId();
  session.options = conn.Options();
}

}  // namespace internal
}  // namespace chimp
