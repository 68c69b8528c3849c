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
#include <iterator>
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

std::string FindOnPath(const std::string& name) {
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

bool ProcessAlive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

pid_t ReadPid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  if (!(in >> pid)) return 0;
  return static_cast<pid_t>(pid);
}

// Ends the servers a dead test process left in `dir` (the Galera nodes run
// as another account, which clears PR_SET_PDEATHSIG): only a process whose
// command line names `dir` is ours to kill.
void KillOrphans(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != "mariadbd.pid") continue;
    pid_t pid = ReadPid(it->path());
    if (!ProcessAlive(pid)) continue;
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string line((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (line.find(dir.string()) != std::string::npos) kill(pid, SIGKILL);
  }
}

// Removes the directories of earlier test runs that died without cleaning
// up (a crash skips the static destructor; the kernel stops their server,
// KillOrphans the servers it does not). A directory is left alone while its
// owner is alive, and when it has no owner file (a run that is just
// starting, or not ours).
void RemoveLeftovers(const std::string& base) {
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& dir = it->path();
    if (dir.filename().string().rfind(kDirPrefix, 0) != 0) continue;
    pid_t owner = ReadPid(dir / kOwnerFile);
    if (owner <= 0 || ProcessAlive(owner)) continue;
    KillOrphans(dir);
    if (ProcessAlive(ReadPid(dir / "mariadbd.pid"))) continue;
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
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

std::string FindProgram(const std::string& name) { return FindOnPath(name); }

std::string MakeServerDir(std::string* dir) {
  std::string base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0' && std::strlen(t) + 40 < kMaxSocketPath) {
    base = t;
  }
  RemoveLeftovers(base);
  std::string templ = base + "/" + kDirPrefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return "test server: mkdtemp " + templ + ": " + std::strerror(errno);
  *dir = buf.data();
  std::ofstream(*dir + "/" + kOwnerFile) << getpid() << "\n";
  return "";
}

MariadbdProcess::MariadbdProcess(std::string dir, std::string run_as)
    : dir_(std::move(dir)), run_as_(geteuid() == 0 ? std::move(run_as) : ""), socket_(dir_ + "/mariadb.sock") {}

MariadbdProcess::~MariadbdProcess() { Stop(); }

std::string MariadbdProcess::Install() {
  std::string install_db = FindOnPath("mariadb-install-db");
  if (install_db.empty()) {
    return "test server: mariadb-install-db not found on PATH or in /usr/sbin (install mariadb-server, or set "
           "CHIMP_TEST_SOCKET)";
  }
  std::vector<std::string> install = {install_db,
                                      "--no-defaults",
                                      "--auth-root-authentication-method=normal",
                                      "--skip-test-db",
                                      "--datadir=" + dir_ + "/data",
                                      kLogFileSize};
  if (!run_as_.empty()) install.push_back("--user=" + run_as_);
  std::string install_log = dir_ + "/install-db.log";
  std::string err;
  pid_t ipid = Spawn(install, install_log, false, &err);
  if (ipid < 0) return "test server: cannot run " + install_db + ": " + err;
  int status = 0;
  while (waitpid(ipid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "test server: " + install_db + " " + DescribeExit(status) + "; " + internal::LogTail(install_log, 20);
  }
  return "";
}

std::string MariadbdProcess::Start(const std::vector<std::string>& extra) {
  std::string mariadbd = FindOnPath("mariadbd");
  if (mariadbd.empty()) return "test server: mariadbd not found on PATH or in /usr/sbin (install mariadb-server)";
  // The character set is Debian's packaged default, so that tables look
  // like production ones; the server's own durability is not under test.
  // clang-format off
  std::vector<std::string> server = {
      mariadbd, "--no-defaults",
      "--datadir=" + dir_ + "/data",
      "--socket=" + socket_,
      "--skip-networking",
      "--pid-file=" + dir_ + "/mariadbd.pid",
      "--log-error=" + error_log(),
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_general_ci",
      "--innodb-flush-log-at-trx-commit=2",
      "--innodb-doublewrite=0",
      kLogFileSize};
  // clang-format on
  if (!run_as_.empty()) server.push_back("--user=" + run_as_);
  server.insert(server.end(), extra.begin(), extra.end());
  std::string err;
  pid_ = Spawn(server, dir_ + "/mariadbd.out", true, &err);
  if (pid_ < 0) {
    pid_ = 0;
    return "test server: cannot run " + mariadbd + ": " + err;
  }
  return "";
}

std::string MariadbdProcess::WaitReady(std::chrono::seconds timeout, const std::function<bool(Connection&)>& ready) {
  const auto started = Clock::now();
  ConnectionOptions probe = Options();
  probe.connect_timeout_s = 2;
  std::string last;
  while (Clock::now() - started < timeout) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return "test server: mariadbd " + DescribeExit(status) + " before it was ready; " +
             internal::LogTail(error_log(), 20);
    }
    auto conn = Connection::Open(probe);
    if (conn.ok() && (!ready || ready(**conn))) return "";
    last = conn.ok() ? "not ready yet" : conn.status().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "test server: mariadbd pid " + std::to_string(pid_) + " in " + dir_ + " not ready within " + Seconds(timeout) +
         " (last: " + last + "); " + internal::LogTail(error_log(), 20);
}

void MariadbdProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

void MariadbdProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + kStopTimeout;
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = 0;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill(SIGKILL);
}

ConnectionOptions MariadbdProcess::Options(std::string database) const {
  ConnectionOptions o;
  o.socket = socket_;
  o.user = "root";
  o.database = std::move(database);
  return o;
}

std::string TestServer::Start() {
  auto started = Clock::now();
  if (std::string made = MakeServerDir(&dir_); !made.empty()) return made;
  owner_pid_ = getpid();
  socket_ = dir_ + "/mariadb.sock";
  // As root: --user=root, as before (the server needs no other account).
  server_ = std::make_unique<MariadbdProcess>(dir_, "root");
  if (std::string e = server_->Install(); !e.empty()) return e;
  auto installed = Clock::now();
  if (std::string e = server_->Start(); !e.empty()) return e;
  if (std::string e = server_->WaitReady(kReadyTimeout); !e.empty()) return e;
  if (std::getenv("CHIMP_TEST_VERBOSE") != nullptr) {
    std::cerr << "test server: mariadbd pid " << server_->pid() << " on " << socket_ << ", ready in "
              << Seconds(Clock::now() - started) << " (install-db " << Seconds(installed - started) << ")\n";
  }
  return "";
}

void TestServer::Stop() {
  if (server_) server_->Stop();
  server_.reset();
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
