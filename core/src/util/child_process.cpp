#include "util/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace chimp::internal {

namespace {

void CloseIfOpen(int fd) {
  if (fd >= 0) ::close(fd);
}

Status SystemError(const char* call) { return Status::Internal(std::string(call) + ": " + std::strerror(errno)); }

// In the child: no signal blocked, stdin from /dev/null, stdout and stderr as asked.
void SetUpChild(const ChildOptions& options, int err_write) {
  sigset_t none;  // the parent blocks SIGINT, SIGTERM, SIGHUP (chimp/interrupt.hpp); the child must not
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  if (options.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) _exit(125);  // the parent died before the prctl
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  if (::dup2(options.stdout_fd >= 0 ? options.stdout_fd : STDERR_FILENO, STDOUT_FILENO) < 0) _exit(126);
  if (err_write >= 0 && ::dup2(err_write, STDERR_FILENO) < 0) _exit(126);
  for (int fd : options.inherit_fds) {
    if (::fcntl(fd, F_SETFD, 0) != 0) _exit(126);
  }
}

// The parent's environment without the variables named in `unset`.
std::vector<std::string> EnvironmentWithout(const std::vector<std::string>& unset) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) env.push_back(entry);
  }
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& text) {
  std::vector<char*> out;
  for (std::string& t : text) out.push_back(t.data());
  out.push_back(nullptr);
  return out;
}

// Reads the report and stderr pipes (fds[0], fds[1]; -1 = none) until the
// child closed both or the deadline passes (false). Each pipe is closed and
// its entry set to -1 once the child closed its end.
bool ReadUntilClosed(int (&fds)[2], std::chrono::milliseconds timeout, bool from_last_report, ChildResult* result) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string* sinks[2] = {&result->output, &result->error_text};
  char buf[65536];
  for (;;) {
    pollfd polls[2];
    nfds_t count = 0;
    std::string* targets[2];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0) continue;
      polls[count] = {fds[i], POLLIN, 0};
      targets[count++] = sinks[i];
    }
    if (count == 0) return true;
    int wait_ms = 1000;
    if (timeout.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 1000));
    }
    const int ready = ::poll(polls, count, wait_ms);
    if (ready <= 0) continue;  // EINTR or nothing yet
    for (nfds_t i = 0; i < count; ++i) {
      if (polls[i].revents == 0) continue;
      const ssize_t n = ::read(polls[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        targets[i]->append(buf, static_cast<size_t>(n));
        if (from_last_report && targets[i] == &result->output) deadline = std::chrono::steady_clock::now() + timeout;
        continue;
      }
      for (int& fd : fds) {
        if (fd == polls[i].fd) fd = -1;
      }
      ::close(polls[i].fd);
    }
  }
}

}  // namespace

bool ChildResult::exited() const { return !timed_out && WIFEXITED(wait_status); }
int ChildResult::exit_code() const { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1; }
int ChildResult::signal() const { return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0; }

Result<ChildResult> RunChild(const std::function<int(int report_fd)>& child, const ChildOptions& options) {
  int report[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::pipe2(report, O_CLOEXEC) != 0) return SystemError("pipe");
  if (options.capture_stderr && ::pipe2(err, O_CLOEXEC) != 0) {
    Status failed = SystemError("pipe");
    CloseIfOpen(report[0]);
    CloseIfOpen(report[1]);
    return failed;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    Status failed = SystemError("fork");
    for (int fd : {report[0], report[1], err[0], err[1]}) CloseIfOpen(fd);
    return failed;
  }
  if (pid == 0) {
    CloseIfOpen(report[0]);
    CloseIfOpen(err[0]);
    SetUpChild(options, err[1]);
    _exit(child(report[1]));
  }
  CloseIfOpen(report[1]);
  CloseIfOpen(err[1]);
  ChildResult result;
  int reads[2] = {report[0], err[0]};
  if (!ReadUntilClosed(reads, options.timeout, options.timeout_from_last_report, &result)) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  CloseIfOpen(reads[0]);
  CloseIfOpen(reads[1]);
  while (::waitpid(pid, &result.wait_status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

Result<ChildResult> RunProgram(const std::vector<std::string>& argv, const ChildOptions& options) {
  // Built before fork(): between fork and exec only async-signal-safe calls.
  std::vector<std::string> text = argv;
  std::vector<std::string> env_text = EnvironmentWithout(options.unset_env);
  std::vector<char*> args = Pointers(text);
  std::vector<char*> env = Pointers(env_text);
  return RunChild(
      [&args, &env](int) {
        ::execve(args[0], args.data(), env.data());
        return 127;
      },
      options);
}

Result<StartedProgram> StartProgram(const std::vector<std::string>& argv, const ChildOptions& options, int stdin_fd,
                                    int stderr_fd) {
  std::vector<std::string> text = argv;
  std::vector<std::string> env_text = EnvironmentWithout(options.unset_env);
  std::vector<char*> args = Pointers(text);
  std::vector<char*> env = Pointers(env_text);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return SystemError("fork");
  if (pid == 0) {
    if (options.own_process_group) ::setpgid(0, 0);
    if (options.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(126);
    }
    SetUpChild(options, stderr_fd);
    if (stdin_fd >= 0 && ::dup2(stdin_fd, STDIN_FILENO) < 0) _exit(126);
    ::execve(args[0], args.data(), env.data());
    _exit(127);
  }
  return StartedProgram{pid};
}

int WaitProgram(const StartedProgram& program) {
  int status = 0;
  while (::waitpid(program.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string FindOnPath(const std::string& name, const std::string& fallback_dirs) {
  const char* env = std::getenv("PATH");
  const std::string path = std::string(env != nullptr ? env : "") + fallback_dirs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    const std::string dir = path.substr(start, colon - start);
    start = colon + 1;
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace chimp::internal
