// TestServer: the real MariaDB every integration test runs against
// (STYLE.md rule 21: there is no mock database).
//
// On first use, Shared() creates a temporary directory (mkdtemp under
// $TMPDIR or /tmp), runs mariadb-install-db into it and starts mariadbd as a
// child of the test process, on a unix socket only (--skip-networking). The
// server is stopped by its own PID (SIGTERM, then SIGKILL after 30 s) and the
// directory removed when the process exits normally; if the test process
// dies, the server gets SIGTERM from the kernel (PR_SET_PDEATHSIG) and the
// directory stays behind.
//
// Environment:
//   CHIMP_TEST_SOCKET    use the server on this socket instead of starting
//                        one (nothing is started or stopped).
//   CHIMP_TEST_USER      user for CHIMP_TEST_SOCKET. Default: root.
//   CHIMP_TEST_PASSWORD  password for CHIMP_TEST_SOCKET. Default: none.
//   CHIMP_TEST_VERBOSE   when set, print where the server runs.
//
// Failures throw std::runtime_error (doctest reports it as the test's
// failure); this is test support, not a core API. [main-thread]: call
// Shared() first from the main thread (the server is tied to the thread that
// starts it by PR_SET_PDEATHSIG).
#ifndef CHIMP_TESTS_SUPPORT_MARIADB_SERVER_HPP_
#define CHIMP_TESTS_SUPPORT_MARIADB_SERVER_HPP_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"

namespace chimp::test {

// One mariadbd the harness runs as its child in a directory of its own
// (data in <dir>/data, socket <dir>/mariadb.sock, logs <dir>/mariadbd.err):
// what TestServer starts once, and the Galera harness three times
// (support/galera_cluster.hpp). Stopped by its own PID, never by name.
// Every method returns "" on success, else what went wrong.
class MariadbdProcess {
 public:
  // REQUIRES: `dir` exists. `run_as` is the account the server runs as when
  // this process is root ("" = the caller's; "root" passes --user=root).
  MariadbdProcess(std::string dir, std::string run_as);
  ~MariadbdProcess();  // Stop()
  MariadbdProcess(const MariadbdProcess&) = delete;
  MariadbdProcess& operator=(const MariadbdProcess&) = delete;

  // mariadb-install-db --no-defaults into <dir>/data (root with a password-
  // less normal login, no test database).
  std::string Install();
  // Starts mariadbd on the unix socket only (--skip-networking), with the
  // harness's throwaway-server options followed by `extra`. The server gets
  // SIGTERM when the calling thread dies (PR_SET_PDEATHSIG; cleared by the
  // kernel when the server switches to another account).
  std::string Start(const std::vector<std::string>& extra = {});
  // Waits up to `timeout` until the server takes connections and `ready`
  // (when given) says yes on one; fails at once when the server exits.
  std::string WaitReady(std::chrono::seconds timeout, const std::function<bool(Connection&)>& ready = {});
  // Sends `signal` and reaps the server (SIGKILL: what a crash leaves).
  void Kill(int signal);
  // SIGTERM, SIGKILL after 30 s; a no-op when not running.
  void Stop();

  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& socket() const { return socket_; }
  std::string error_log() const { return dir_ + "/mariadbd.err"; }
  // Root over the socket, `database` as the default database.
  ConnectionOptions Options(std::string database = "") const;

 private:
  std::string dir_;
  std::string run_as_;
  std::string socket_;
  pid_t pid_ = 0;
};

// Makes a private directory <$TMPDIR or /tmp>/chimp-mariadb-XXXXXX holding
// the owner file (this process's PID), after removing what test processes
// that died left behind (their servers included). Returns "" or the error.
std::string MakeServerDir(std::string* dir);

// `name` on $PATH or in the usual sbin/bin directories; "" when not found.
std::string FindProgram(const std::string& name);

class TestServer {
 public:
  // The server shared by the whole test process, started on first call.
  // Throws std::runtime_error when it cannot be started or reached (the
  // message includes the tail of the server's error log); every later call
  // throws the same error at once.
  static TestServer& Shared();

  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // The unix socket of the server.
  const std::string& socket() const { return socket_; }
  // The temporary directory (data, socket, logs); "" with CHIMP_TEST_SOCKET.
  const std::string& dir() const { return dir_; }
  // The server's PID; 0 with CHIMP_TEST_SOCKET.
  pid_t pid() const { return server_ ? server_->pid() : 0; }

  // Options to connect as root (or CHIMP_TEST_USER) over the socket, with
  // `database` as the default database ("" = none).
  ConnectionOptions Options(std::string database = "") const;

  // A database name unique to this process and call: "<prefix>_<pid>_<n>"
  // (prefix sanitised to [A-Za-z0-9_]). Drops a database of that name if one
  // exists; does not create it.
  std::string FreshDatabase(std::string_view prefix);

  // Opens a connection with Options(database). Throws on failure.
  std::unique_ptr<Connection> Connect(std::string database = "") const;

 private:
  TestServer() = default;
  // Returns "" on success, else what went wrong.
  std::string Start();
  std::string UseExisting(const char* socket);
  void Stop();

  std::string dir_;
  std::string socket_;
  std::unique_ptr<MariadbdProcess> server_;
  std::string user_ = "root";
  std::string password_;
  pid_t owner_pid_ = 0;  // only this process stops the server
  std::atomic<int> next_db_{0};
  std::string error_;  // why Start() failed
};

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_MARIADB_SERVER_HPP_
