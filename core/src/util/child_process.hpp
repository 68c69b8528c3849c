// RunChild: one child process, forked, waited for within a time limit
// (private to core). Used where a crash, an exit() or a hang must not take
// the calling process with it (plugins verify) and to run external programs
// (migrate --backup's dump).
#ifndef CHIMP_UTIL_CHILD_PROCESS_HPP_
#define CHIMP_UTIL_CHILD_PROCESS_HPP_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "chimp/status.hpp"

namespace chimp::internal {

struct ChildOptions {
  // Past this the child is killed (SIGKILL) and ChildResult::timed_out set.
  // Default: 0, no limit.
  std::chrono::milliseconds timeout{0};
  // With true, `timeout` counts from the child's last write to report_fd
  // (a limit per piece of work the child reports), not from its start.
  // Default: false.
  bool timeout_from_last_report = false;
  // Where the child's stdout goes: a file descriptor of the parent (>= 0,
  // e.g. the dump file), or, with -1, the child's stderr (so that whatever
  // it prints never reaches the parent's output). Default: -1.
  int stdout_fd = -1;
  // Capture the child's stderr into ChildResult::error_text; else it is
  // the parent's. Default: false.
  bool capture_stderr = false;
  // Descriptors of the parent the child keeps open across exec (their
  // close-on-exec flag is cleared in the child only), e.g. a memfd that
  // carries an option file. Default: none.
  std::vector<int> inherit_fds;
  // Environment variables the program does not get (RunProgram), e.g.
  // CHIMP_PASSWORD. Default: none.
  std::vector<std::string> unset_env;
  // StartProgram: the program leads a process group of its own, so that a
  // signal to chimp's group (Ctrl-C) does not reach it. Default: false.
  bool own_process_group = false;
  // StartProgram: the kernel sends the program SIGKILL when the thread that
  // started it ends (PR_SET_PDEATHSIG), so a killed chimp leaves no server
  // running. Default: false.
  bool die_with_parent = false;
};

struct ChildResult {
  std::string output;      // what the child wrote to `report_fd` (RunChild)
  std::string error_text;  // its stderr, when captured
  bool timed_out = false;  // killed at the time limit
  int wait_status = 0;     // as waitpid() reports it (WIFEXITED, ...)

  bool exited() const;    // ended by exit(), not a signal
  int exit_code() const;  // when exited(); -1 otherwise
  int signal() const;     // the signal that ended it; 0 when exited()
};

// Forks; in the child, stdin is /dev/null and stdout/stderr are set up as
// `options` says, then `child(report_fd)` runs and its return value is the
// exit code (_exit: no atexit handlers, no static destructors). Whatever the
// child writes to `report_fd` (close-on-exec) becomes ChildResult::output.
// The parent reads until the child closes its ends, then reaps it. stdout
// and stderr are flushed before the fork.
// REQUIRES: `child` makes only async-signal-safe calls when the parent has
// threads (build what it needs before calling), and does not throw.
// Errors: Internal "pipe: ..." or "fork: ..." when the child cannot start.
Result<ChildResult> RunChild(const std::function<int(int report_fd)>& child, const ChildOptions& options);

// A program started by StartProgram, running alongside the caller.
struct StartedProgram {
  int pid = -1;
};

// Starts argv[0] like RunProgram but returns at once: its stdin is
// `stdin_fd` (-1: /dev/null), its stdout `options.stdout_fd` (-1: its
// stderr), its stderr `stderr_fd` (-1: the parent's), with
// options.inherit_fds and options.unset_env as RunProgram has them. The
// caller must WaitProgram it. Errors: Internal when fork fails.
Result<StartedProgram> StartProgram(const std::vector<std::string>& argv, const ChildOptions& options, int stdin_fd,
                                    int stderr_fd);
// Waits for a started program; returns its waitpid() status.
int WaitProgram(const StartedProgram& program);

// Runs the program argv[0] with arguments argv[1..] (execve; no PATH
// search), with the parent's environment less options.unset_env. A child
// that cannot exec exits with 127.
// REQUIRES: argv is not empty.
Result<ChildResult> RunProgram(const std::vector<std::string>& argv, const ChildOptions& options);

// The first executable `name` in the directories of $PATH, then
// `fallback_dirs` (e.g. ":/usr/bin"); "" when there is none.
std::string FindOnPath(const std::string& name, const std::string& fallback_dirs = ":/usr/bin:/usr/local/bin");

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_CHILD_PROCESS_HPP_
