#include "plugin/isolate.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "plugin/trust.hpp"
#include "util/child_process.hpp"
#include "util/sha256.hpp"

namespace chimp::internal {

namespace {

constexpr std::string_view kOk = "ok\n";
constexpr std::string_view kError = "error\n";

Status Errno(const std::string& file, const char* doing) {
  return Status::PluginError("plugin file '" + file + "': " + doing + ": " + std::strerror(errno));
}

// The whole of `fd`, read from its start.
bool ReadAll(int fd, std::string* out) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A sealed memfd holding `bytes`, or -1 (errno set).
int SealedCopy(const std::string& bytes) {
  const int fd = ::memfd_create("chimp-plugin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  if (!WriteAll(fd, bytes) || ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

// "30 s", "1.5 s".
std::string SecondsText(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// How the trial child ended, when it ended without a report.
std::string HowItEnded(const ChildResult& run) {
  if (run.signal() != 0) {
    const int sig = run.signal();
    const char* abbrev = sigabbrev_np(sig);
    return "crashed the process loading it: signal " + std::to_string(sig) + " (SIG" +
           (abbrev != nullptr ? abbrev : "?") + ", " + strsignal(sig) + ")";
  }
  return "ended the process loading it with exit status " + std::to_string(run.exit_code()) +
         " (a static constructor or chimp_plugin_entry called exit() or _exit())";
}

}  // namespace

PluginImage::PluginImage(std::string file, int fd, std::string bytes)
    : file_(std::move(file)), fd_(fd), bytes_(std::move(bytes)) {}

PluginImage::PluginImage(PluginImage&& other) noexcept
    : file_(std::move(other.file_)), fd_(std::exchange(other.fd_, -1)), bytes_(std::move(other.bytes_)) {}

PluginImage::~PluginImage() {
  if (fd_ >= 0) ::close(fd_);
}

std::string PluginImage::Sha256() const { return Sha256Hex(bytes_); }

std::string PluginImage::LoadPath() const { return "/proc/self/fd/" + std::to_string(fd_); }

Result<PluginImage> PluginImage::Read(const std::string& file, bool judge) {
  const int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return Errno(file, "cannot open it");
  struct stat st {};
  std::string bytes;
  Status judged = ::fstat(in, &st) != 0 ? Errno(file, "fstat") : judge ? CheckTrustedStat(file, st) : Status::Ok();
  if (judged.ok() && !ReadAll(in, &bytes)) judged = Errno(file, "cannot read it");
  ::close(in);
  CHIMP_RETURN_IF_ERROR(judged);
  const int fd = SealedCopy(bytes);
  if (fd < 0) return Errno(file, "cannot make a private copy (memfd_create)");
  return PluginImage(file, fd, std::move(bytes));
}

Result<std::string> TryInChild(const std::string& file, std::chrono::milliseconds timeout,
                               const std::function<Result<std::string>()>& load) {
  ChildOptions options;
  options.timeout = timeout;
  auto run = RunChild(
      [&load](int report_fd) {
        try {
          Result<std::string> loaded = load();
          const std::string report =
              loaded.ok() ? std::string(kOk) + *loaded : std::string(kError) + loaded.status().message();
          return WriteAll(report_fd, report) ? 0 : 3;
        } catch (...) {
          return 4;
        }
      },
      options);
  if (!run.ok())
    return Status::PluginError("plugin '" + file + "': cannot try it in a child: " + run.status().message());
  const std::string& out = run->output;
  if (run->timed_out) {
    return Status::PluginError("plugin '" + file + "' did not finish loading within " + SecondsText(timeout) +
                               " (a static constructor or chimp_plugin_entry hangs); the process loading it was "
                               "killed (CHIMP_PLUGIN_LOAD_TIMEOUT)");
  }
  if (run->exited() && run->exit_code() == 0 && out.rfind(kOk, 0) == 0) return out.substr(kOk.size());
  if (run->exited() && run->exit_code() == 0 && out.rfind(kError, 0) == 0) {
    return Status::PluginError(out.substr(kError.size()));
  }
  return Status::PluginError("plugin '" + file + "' " + HowItEnded(*run));
}

}  // namespace chimp::internal
