// RenderDot: DOT text to an image through Graphviz's `dot` program.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "chimp/graph.hpp"
#include "util/child_process.hpp"
#include "util/fd_io.hpp"

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
  if (!internal::WriteAll(in.fd, dot_text)) {
    return Status::Internal(std::string("graph: cannot write the DOT text: ") + std::strerror(errno));
  }
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
  // The child wrote through a duplicate of out.fd: read from the start.
  std::string image;
  if (::lseek(out.fd, 0, SEEK_SET) != 0 || !internal::ReadAll(out.fd, &image)) {
    return Status::Internal(std::string("graph: cannot read what dot drew: ") + std::strerror(errno));
  }
  return image;
}

}  // namespace chimp
