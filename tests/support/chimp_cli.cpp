#include "support/chimp_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp::test {

namespace fs = std::filesystem;

namespace {

// Every environment variable chimp takes a setting from (core config.hpp
// ApplyEnvironment, tools/common.cpp).
constexpr const char* kSettingVariables[] = {"CHIMP_HOST",
                                             "CHIMP_PORT",
                                             "CHIMP_SOCKET",
                                             "CHIMP_USER",
                                             "CHIMP_PASSWORD_FILE",
                                             "CHIMP_DATABASE",
                                             "CHIMP_SSL_CA",
                                             "CHIMP_SSL_CERT",
                                             "CHIMP_SSL_KEY",
                                             "CHIMP_SSL_VERIFY_SERVER_CERT",
                                             "CHIMP_CONNECT_TIMEOUT",
                                             "CHIMP_PLUGINS",
                                             "CHIMP_TRUSTED_KEYS",
                                             "CHIMP_REQUIRE_SIGNATURE",
                                             "CHIMP_CHANGELOG_SCHEMA",
                                             "CHIMP_LOCK_TIMEOUT",
                                             "CHIMP_LOCK_WAIT_TIMEOUT",
                                             "CHIMP_LOCK",
                                             "CHIMP_LEASE_SECONDS",
                                             "CHIMP_CONFIG",
                                             "CHIMP_NO_DEFAULTS",
                                             "CHIMP_DEFAULTS_FILE",
                                             "CHIMP_DEFAULTS_EXTRA_FILE",
                                             "CHIMP_COLOR"};

}  // namespace

CliRun RunCli(const std::string& binary, const std::vector<std::string>& args, const CliOptions& options) {
  static int counter = 0;
  fs::path dir =
      fs::temp_directory_path() / ("chimp_cli_run_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  fs::path out = dir / "stdout";
  fs::path err = dir / "stderr";
  std::vector<char*> argv;
  std::string program = binary;
  argv.push_back(program.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || fo < 0 || fe < 0 || ::dup2(in, 0) < 0 || ::dup2(fo, 1) < 0 || ::dup2(fe, 2) < 0 ||
        ::chdir(dir.c_str()) != 0) {
      _exit(127);
    }
    if (options.password.empty()) {
      ::unsetenv("CHIMP_PASSWORD");
    } else {
      ::setenv("CHIMP_PASSWORD", options.password.c_str(), 1);
    }
    ::unsetenv("CHIMP_TEST_CRASH_AT");
    // The settings of the developer's or CI's environment and option files
    // never reach the chimp under test: no CHIMP_* setting, no ~/.my.cnf
    // (HOME is the run's empty directory), no $MYSQL_HOME/my.cnf.
    for (const char* name : kSettingVariables) ::unsetenv(name);
    ::unsetenv("MYSQL_HOME");
    ::unsetenv("NO_COLOR");
    ::setenv("HOME", dir.c_str(), 1);
    for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (options.kill_after_ms > 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.kill_after_ms);
    for (;;) {
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  } else if (options.kill_when) {
    while (::waitpid(pid, &status, WNOHANG) != pid) {
      if (options.kill_when()) {
        ::kill(pid, options.kill_signal);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  CliRun r;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

#ifdef CHIMP_BINARY
CliRun Chimp(const std::vector<std::string>& args, const std::string& password) {
  CliOptions options;
  options.password = password;
  return RunCli(CHIMP_BINARY, args, options);
}
#endif

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

ServerFlags TestServerFlags() {
  ConnectionOptions o = TestServer::Shared().Options();
  ServerFlags s;
  s.flags = {"--socket", o.socket};
  if (!o.user.empty()) {
    s.flags.push_back("--user");
    s.flags.push_back(o.user);
  }
  s.password = o.password;
  return s;
}

std::vector<std::string> Args(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

}  // namespace chimp::test
