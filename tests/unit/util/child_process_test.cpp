#include "util/child_process.hpp"
#include <csignal>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace chimp::internal {
namespace {

TEST_CASE("child process: the report comes back and the exit code is kept") {
  auto run = RunChild(
      [](int fd) {
        const char text[] = "report";
        return ::write(fd, text, std::strlen(text)) == 6 ? 7 : 1;
      },
      ChildOptions{});
  REQUIRE(run.ok());
  CHECK(run->output == "report");
  CHECK(run->exited());
  CHECK(run->exit_code() == 7);
  CHECK(run->signal() == 0);
  CHECK_FALSE(run->timed_out);
}

TEST_CASE("child process: a signal is reported, not an exit code") {
  auto run = RunChild(
      [](int) {
        // The default action, not doctest's crash handler inherited from the
        // parent (which would print a failure report from the child).
        std::signal(SIGSEGV, SIG_DFL);
        ::raise(SIGSEGV);
        return 0;
      },
      ChildOptions{});
  REQUIRE(run.ok());
  CHECK_FALSE(run->exited());
  CHECK(run->signal() == SIGSEGV);
}

TEST_CASE("child process: a child past its time limit is killed") {
  ChildOptions options;
  options.timeout = std::chrono::milliseconds(200);
  auto run = RunChild(
      [](int) {
        ::sleep(30);
        return 0;
      },
      options);
  REQUIRE(run.ok());
  CHECK(run->timed_out);
  CHECK_FALSE(run->exited());
  CHECK(run->signal() == SIGKILL);
}

TEST_CASE("child process: a program's stdout goes to the file given, stderr is captured, stdin is empty") {
  char path[] = "/tmp/chimp-child-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ChildOptions options;
  options.stdout_fd = fd;
  options.capture_stderr = true;
  auto run = RunProgram({"/bin/sh", "-c", "cat; echo out; echo err >&2; exit 3"}, options);
  ::close(fd);
  REQUIRE(run.ok());
  CHECK(run->exit_code() == 3);
  CHECK(run->error_text == "err\n");
  char buf[16] = {};
  const int in = ::open(path, O_RDONLY);
  CHECK(::read(in, buf, sizeof buf - 1) == 4);
  ::close(in);
  ::unlink(path);
  CHECK(std::string(buf) == "out\n");
}

TEST_CASE("child process: two started programs joined by a pipe, as backup and restore run gzip") {
  int pipe[2] = {-1, -1};
  REQUIRE(::pipe2(pipe, O_CLOEXEC) == 0);
  int out[2] = {-1, -1};
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  ChildOptions writer_options;
  writer_options.stdout_fd = pipe[1];
  auto writer = StartProgram({"/bin/sh", "-c", "echo hello"}, writer_options, -1, -1);
  ChildOptions reader_options;
  reader_options.stdout_fd = out[1];
  auto reader = StartProgram({"/bin/sh", "-c", "tr a-z A-Z; exit 4"}, reader_options, pipe[0], -1);
  ::close(pipe[0]);
  ::close(pipe[1]);
  ::close(out[1]);
  REQUIRE(writer.ok());
  REQUIRE(reader.ok());
  char buf[16] = {};
  CHECK(::read(out[0], buf, sizeof buf - 1) == 6);
  ::close(out[0]);
  CHECK(std::string(buf) == "HELLO\n");
  CHECK(WEXITSTATUS(WaitProgram(*writer)) == 0);
  CHECK(WEXITSTATUS(WaitProgram(*reader)) == 4);
}

TEST_CASE("child process: a program that cannot be run exits with 127") {
  auto run = RunProgram({"/nonexistent/program"}, ChildOptions{});
  REQUIRE(run.ok());
  CHECK(run->exit_code() == 127);
}

}  // namespace
}  // namespace chimp::internal
