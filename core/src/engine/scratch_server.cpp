#include "engine/scratch_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "chimp/interrupt.hpp"
#include "engine/backup.hpp"
#include "util/child_process.hpp"

namespace chimp::internal {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kReadyTimeout = std::chrono::seconds(120);
constexpr auto kStopGrace = std::chrono::seconds(10);
constexpr size_t kMaxBaseLength = 60;  // the socket path must fit sun_path (108 bytes)
constexpr const char* kOwnerFile = "owner.pid";
constexpr const char* kSearchDirs = ":/usr/sbin:/usr/local/sbin:/usr/bin:/usr/local/bin";

bool Alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

pid_t ReadPid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  return (in >> pid) ? static_cast<pid_t>(pid) : 0;
}

// `name` in `bin_dir` when set, else on $PATH and the usual directories.
std::string FindServerProgram(const std::string& bin_dir, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (!bin_dir.empty()) {
      const std::string candidate = bin_dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      continue;
    }
    if (std::string found = FindOnPath(name, kSearchDirs); !found.empty()) return found;
  }
  return "";
}

Status Interrupted(const char* during) {
  return Status::Unavailable(std::string("rehearsal stopped by ") + SignalName(InterruptSignal()) + " " + during);
}

}  // namespace

std::string LogTail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return "(no " + path + ")";
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out = "last lines of " + path + ":";
  for (const auto& l : last) out += "\n  " + l;
  return out;
}

void RemoveDeadServerDirs(const std::string& base, const std::string& prefix, const std::string& owner_file) {
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& dir = it->path();
    if (dir.filename().string().rfind(prefix, 0) != 0) continue;
    const pid_t owner = ReadPid(dir / owner_file);
    if (owner <= 0 || Alive(owner) || Alive(ReadPid(dir / "mariadbd.pid"))) continue;
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
}

Result<std::unique_ptr<ScratchServer>> ScratchServer::Start(const ScratchServerOptions& options) {
  std::unique_ptr<ScratchServer> server(new ScratchServer());
  CHIMP_RETURN_IF_ERROR(server->Init(options));  // the destructor cleans up what Init made
  CHIMP_RETURN_IF_ERROR(server->WaitReady());
  return server;
}

Status ScratchServer::Init(const ScratchServerOptions& options) {
  const std::string where = options.bin_dir.empty() ? "on $PATH or in /usr/sbin" : "in '" + options.bin_dir + "'";
  const std::string install_db = FindServerProgram(options.bin_dir, {"mariadb-install-db", "mysql_install_db"});
  const std::string mariadbd = FindServerProgram(options.bin_dir, {"mariadbd", "mysqld"});
  if (install_db.empty() || mariadbd.empty()) {
    return Status::NotFound(std::string("rehearse needs a local MariaDB server to rehearse on, but ") +
                            (mariadbd.empty() ? "mariadbd" : "mariadb-install-db") + " was not found " + where +
                            " (Debian: apt-get install mariadb-server; or point --server-bin-dir, "
                            "[rehearse] server_bin_dir or CHIMP_SERVER_BIN_DIR at the directory that holds it)");
  }
  std::string base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0' && std::strlen(t) < kMaxBaseLength) base = t;
  RemoveDeadServerDirs(base, kScratchDirPrefix, kOwnerFile);
  std::string templ = base + "/" + kScratchDirPrefix + "XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return Status::Unavailable("cannot create the rehearsal's directory " + templ + ": " + std::strerror(errno));
  }
  dir_ = templ;
  std::ofstream(dir_ + "/" + kOwnerFile) << ::getpid() << "\n";
  socket_ = dir_ + "/mariadb.sock";
  const std::string log = dir_ + "/mariadbd.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Status::Unavailable("cannot create " + log + ": " + std::strerror(errno));
  const bool root = ::geteuid() == 0;
  // A small redo log, no doublewrite, commits not flushed: the copy is
  // thrown away, so its durability is not rehearsed, only its outcome
  // (doc/operations.md, "What the estimate is based on").
  std::vector<std::string> common = {"--no-defaults", "--datadir=" + dir_ + "/data", "--innodb-log-file-size=16M"};
  if (root) common.push_back("--user=root");
  std::vector<std::string> install = {install_db};
  install.insert(install.end(), common.begin(), common.end());
  for (const char* a : {"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}) {
    install.push_back(a);
  }
  install.insert(install.end(), options.settings.begin(), options.settings.end());
  ChildOptions quiet;
  quiet.stdout_fd = log_fd;
  ChildOptions capture = quiet;
  capture.capture_stderr = true;
  auto installed = RunProgram(install, capture);
  if (!installed.ok() || !installed->exited() || installed->exit_code() != 0) {
    ::close(log_fd);
    std::string why = installed.ok() ? installed->error_text : installed.status().message();
    if (why.size() > 1500) why = "..." + why.substr(why.size() - 1500);
    return Status::Unavailable(install_db + " failed in " + dir_ + ": " + why + "; " + LogTail(log));
  }
  std::vector<std::string> run = {mariadbd};
  run.insert(run.end(), common.begin(), common.end());
  for (const std::string& a :
       {"--socket=" + socket_, std::string("--skip-networking"), "--pid-file=" + dir_ + "/mariadbd.pid",
        "--log-error=" + log, std::string("--innodb-doublewrite=0"), std::string("--innodb-flush-log-at-trx-commit=2"),
        std::string("--event-scheduler=OFF"), std::string("--skip-log-bin"),
        std::string("--innodb-buffer-pool-size=128M")}) {
    run.push_back(a);
  }
  run.insert(run.end(), options.settings.begin(), options.settings.end());
  ChildOptions server = quiet;
  server.own_process_group = true;
  server.die_with_parent = true;
  auto started = StartProgram(run, server, -1, log_fd);
  ::close(log_fd);
  if (!started.ok()) return Status::Unavailable("cannot start " + mariadbd + ": " + started.status().message());
  pid_ = started->pid;
  return Status::Ok();
}

Status ScratchServer::WaitReady() {
  ConnectionOptions probe = Options();
  probe.connect_timeout_s = 2;
  const auto started = Clock::now();
  Status last;
  while (Clock::now() - started < kReadyTimeout) {
    if (InterruptSignal() != 0) return Interrupted("while the throwaway server started");
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return Status::Unavailable("the throwaway mariadbd in " + dir_ + " ended before it took connections (" +
                                 DescribeEnd("mariadbd", status) + "); " + LogTail(dir_ + "/mariadbd.log"));
    }
    if (::access(socket_.c_str(), F_OK) == 0) {
      auto conn = Connection::Open(probe);
      if (conn.ok()) return Status::Ok();
      last = conn.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("the throwaway mariadbd in " + dir_ + " took no connection within 120 s (" +
                             last.ToString() + "); " + LogTail(dir_ + "/mariadbd.log"));
}

void ScratchServer::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + kStopGrace;
    bool reaped = false;
    while (!reaped && Clock::now() < deadline) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      reaped = r == pid_ || (r < 0 && errno == ECHILD);
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
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

ScratchServer::~ScratchServer() { Stop(); }

ConnectionOptions ScratchServer::Options() const {
  ConnectionOptions o;
  o.socket = socket_;
  o.user = "root";
  o.read_default_option_file = false;
  return o;
}

}  // namespace chimp::internal
