// Runs the real `chimp` binary from integration tests (the CLI and the
// fault-injection tests). Test support, not a core API. [main-thread]
#ifndef CHIMP_TESTS_SUPPORT_CHIMP_CLI_HPP_
#define CHIMP_TESTS_SUPPORT_CHIMP_CLI_HPP_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace chimp::test {

struct CliRun {
  int code = -1;   // the exit code, or 128 + the signal that ended it
  int signal = 0;  // the signal that ended it, 0 when it exited
  std::string out;
  std::string err;
};

struct CliOptions {
  // CHIMP_PASSWORD for the child; unset when empty.
  std::string password;
  // Extra environment (name, value); CHIMP_TEST_CRASH_AT is unset unless
  // given here.
  std::vector<std::pair<std::string, std::string>> env;
  // > 0: SIGKILL the child after this many milliseconds if still running.
  int kill_after_ms = 0;
  // When set: SIGKILL the child as soon as this returns true (asked about
  // every 20 ms while it runs, on the calling thread).
  std::function<bool()> kill_when;
  // The signal kill_when sends; after any other than SIGKILL the child is
  // waited for until it exits by itself. Default: SIGKILL.
  int kill_signal = 9;
};

// Runs `binary` with `args` in an empty temporary directory (so no
// ./chimp.toml is picked up), stdin from /dev/null (not a terminal), and
// waits for it. Throws std::runtime_error
// when it cannot fork.
CliRun RunCli(const std::string& binary, const std::vector<std::string>& args, const CliOptions& options = {});

// RunCli of the chimp binary under test (CHIMP_BINARY), with CHIMP_PASSWORD
// set to `password` (unset when empty). REQUIRES: CHIMP_BINARY is defined.
CliRun Chimp(const std::vector<std::string>& args, const std::string& password = "");

// True when `haystack` contains `needle`.
bool Contains(const std::string& haystack, const std::string& needle);

// Connection flags for the shared test server (--socket, --user) and its
// password ("" = none).
struct ServerFlags {
  std::vector<std::string> flags;
  std::string password;
};
ServerFlags TestServerFlags();

// Concatenates argument lists.
std::vector<std::string> Args(std::initializer_list<std::vector<std::string>> parts);

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_CHIMP_CLI_HPP_
