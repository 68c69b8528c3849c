#include "support/mariadb_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/scratch_server.hpp"

namespace chimp::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr size_t kMaxSocketPath = 100;  // sun_path is 108 bytes
constexpr const char* kDirPrefix = "chimp-mariadb-";
// Written into the directory right away: the PID of the test process that
// owns it, so that a later run can remove what a crashed run left behind.
constexpr const char* kOwnerFile = "owner.pid";
// 8 MB instead of the default 96 MB redo log: a throwaway server.
constexpr const char* kLogFileSize = "--innodb-log-file-size=8M";

// `name` on $PATH or in the usual sbin/bin directories; "" when not found.
std::string FindProgram(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    size_t start = 0;
    for (;;) {
      size_t colon = p.find(':', start);
      dirs.push_back(p.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  for (const char* d : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) dirs.push_back(d);
  for (const auto& d : dirs) {
    if (d.empty()) continue;
    std::string candidate = d + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Forks and execs `argv` with stdin from /dev/null and stdout/stderr to
// `log`. With `tie_to_parent`, the child gets SIGTERM when this thread dies.
// Returns the child's PID, or -1 with `error` set.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log, bool tie_to_parent, std::string* error) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) {
    *error = "cannot open " + log + ": " + std::strerror(errno);
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork failed: ") + std::strerror(errno);
    close(out);
    return -1;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (tie_to_parent) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
    }
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execv(args[0], args.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  close(out);
  return pid;
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

std::string Seconds(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

TestServer& TestServer::Shared() {
  static TestServer* server = [] {
    // Deliberately a function-local static object: its destructor stops the
    // server at exit.
    static TestServer instance;
    const char* external = std::getenv("CHIMP_TEST_SOCKET");
    instance.error_ = (external != nullptr && *external != '\0') ? instance.UseExisting(external) : instance.Start();
    return &instance;
  }();
  if (!server->error_.empty()) throw std::runtime_error(server->error_);
  return *server;
}

std::string TestServer::UseExisting(const char* socket) {
  socket_ = socket;
  if (const char* u = std::getenv("CHIMP_TEST_USER")) user_ = u;
  if (const char* p = std::getenv("CHIMP_TEST_PASSWORD")) password_ = p;
  auto conn = Connection::Open(Options());
  if (!conn.ok()) {
    return "test server: CHIMP_TEST_SOCKET=" + socket_ + " is not usable: " + conn.status().ToString();
  }
  return "";
}

std::string TestServer::Start() {
  auto started = Clock::now();
  std::string base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0' && std::strlen(t) + 40 < kMaxSocketPath) {
    base = t;
  }
  internal::RemoveDeadServerDirs(base, kDirPrefix, kOwnerFile);
  std::string templ = base + "/" + kDirPrefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return "test server: mkdtemp " + templ + ": " + std::strerror(errno);
  }
  dir_ = buf.data();
  owner_pid_ = getpid();
  std::ofstream(dir_ + "/" + kOwnerFile) << owner_pid_ << "\n";
  socket_ = dir_ + "/mariadb.sock";
  std::string datadir = dir_ + "/data";
  std::string error_log = dir_ + "/mariadbd.err";
  bool root = geteuid() == 0;

  std::string install_db = FindProgram("mariadb-install-db");
  std::string mariadbd = FindProgram("mariadbd");
  if (install_db.empty() || mariadbd.empty()) {
    return "test server: mariadb-install-db or mariadbd not found on PATH or in /usr/sbin "
           "(install mariadb-server, or set CHIMP_TEST_SOCKET)";
  }

  // 1. The system tables.
  std::vector<std::string> install = {
      install_db,       "--no-defaults",        "--auth-root-authentication-method=normal",
      "--skip-test-db", "--datadir=" + datadir, kLogFileSize};
  if (root) install.push_back("--user=root");
  std::string install_log = dir_ + "/install-db.log";
  std::string err;
  pid_t ipid = Spawn(install, install_log, false, &err);
  if (ipid < 0) return "test server: cannot run " + install_db + ": " + err;
  int status = 0;
  while (waitpid(ipid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "test server: " + install_db + " " + DescribeExit(status) + "; " + internal::LogTail(install_log);
  }
  auto installed = Clock::now();

  // 2. The server, as our child, on a unix socket only. The character set
  // is Debian's packaged default, so that tables look like production ones;
  // the server's own durability is not under test.
  // clang-format off
  std::vector<std::string> server = {
      mariadbd, "--no-defaults",
      "--datadir=" + datadir,
      "--socket=" + socket_,
      "--skip-networking",
      "--pid-file=" + dir_ + "/mariadbd.pid",
      "--log-error=" + error_log,
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_general_ci",
      "--innodb-flush-log-at-trx-commit=2",
      "--innodb-doublewrite=0",
      kLogFileSize};
  // clang-format on
  if (root) server.push_back("--user=root");
  pid_ = Spawn(server, dir_ + "/mariadbd.out", true, &err);
  if (pid_ < 0) {
    pid_ = 0;
    return "test server: cannot run " + mariadbd + ": " + err;
  }

  // 3. Wait until it takes connections.
  ConnectionOptions probe = Options();
  probe.connect_timeout_s = 2;
  Status last;
  while (Clock::now() - started < kReadyTimeout) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = 0;
      return "test server: mariadbd " + DescribeExit(status) + " before taking connections; " +
             internal::LogTail(error_log);
    }
    auto conn = Connection::Open(probe);
    if (conn.ok()) {
      if (std::getenv("CHIMP_TEST_VERBOSE") != nullptr) {
        std::cerr << "test server: mariadbd pid " << pid_ << " on " << socket_ << ", ready in "
                  << Seconds(Clock::now() - started) << " (install-db " << Seconds(installed - started) << ")\n";
      }
      return "";
    }
    last = conn.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "test server: mariadbd pid " + std::to_string(pid_) + " not ready within 60 s (last: " + last.ToString() +
         "); " + internal::LogTail(error_log);
}

void TestServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + kStopTimeout;
    int status = 0;
    bool reaped = false;
    while (Clock::now() < deadline) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {
        reaped = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = 0;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

TestServer::~TestServer() {
  // A forked child (a crash-injection test) that exits must not stop the
  // server of its parent.
  if (owner_pid_ != 0 && owner_pid_ == getpid()) Stop();
}

ConnectionOptions TestServer::Options(std::string database) const {
  ConnectionOptions o;
  o.socket = socket_;
  o.user = user_;
  o.password = password_;
  o.database = std::move(database);
  return o;
}

std::string TestServer::FreshDatabase(std::string_view prefix) {
  std::string name;
  for (char c : prefix.substr(0, 40)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name.push_back(ok ? c : '_');
  }
  if (name.empty()) name = "db";
  name += "_" + std::to_string(getpid()) + "_" + std::to_string(next_db_.fetch_add(1));
  auto conn = Connect();
  auto dropped = conn->Execute("DROP DATABASE IF EXISTS " + Connection::QuoteIdentifier(name));
  if (!dropped.ok()) {
    throw std::runtime_error("test server: cannot drop " + name + ": " + dropped.status().ToString());
  }
  return name;
}

std::unique_ptr<Connection> TestServer::Connect(std::string database) const {
  auto conn = Connection::Open(Options(std::move(database)));
  if (!conn.ok()) throw std::runtime_error("test server: " + conn.status().ToString());
  return std::move(conn).value();
}

}  // namespace chimp::test
