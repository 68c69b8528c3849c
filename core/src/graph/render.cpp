// RenderDot: DOT text to an image through Graphviz's `dot` program.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "chimp/graph.hpp"
#include "util/child_process.hpp"

namespace chimp {
namespace {

// An anonymous memory file, closed when it goes out of scope.
struct MemFile {
  int fd = ::memfd_create("chimp-graph", MFD_CLOEXEC);
  ~MemFile() {
    if (fd >= 0) ::close(fd);
  }
  MemFile() = default;
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
};

Status WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Internal(std::string("graph: cannot write the DOT text: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

}  // namespace

Result<std::string> RenderDot(const std::string& dot_text, const std::string& format) {
  if (format != "svg" && format != "png") return Status::InvalidArgument("graph: cannot draw format '" + format + "'");
  const std::string dot = internal::FindOnPath("dot", /*fallback_dirs=*/"");
  if (dot.empty()) {
    return Status::NotFound("--format " + format +
                            " needs Graphviz's 'dot' program, which is not on PATH (Debian: apt-get install graphviz); "
                            "--format dot prints the text it would draw");
  }
  MemFile in;
  MemFile out;
  if (in.fd < 0 || out.fd < 0) return Status::Internal(std::string("graph: memfd_create: ") + std::strerror(errno));
  CHIMP_RETURN_IF_ERROR(WriteAll(in.fd, dot_text));
  internal::ChildOptions options;
  options.stdout_fd = out.fd;
  options.capture_stderr = true;
  options.inherit_fds = {in.fd};
  options.timeout = std::chrono::seconds(60);
  CHIMP_ASSIGN_OR_RETURN(internal::ChildResult run,
                         internal::RunProgram({dot, "-T" + format, "/dev/fd/" + std::to_string(in.fd)}, options));
  if (!run.exited() || run.exit_code() != 0) {
    return Status::Internal(dot + " -T" + format + " failed" +
                            (run.exited() ? " with exit code " + std::to_string(run.exit_code()) : " (killed)") + ": " +
                            run.error_text);
  }
  return ReadAll(out.fd);
}

}  // namespace chimp
