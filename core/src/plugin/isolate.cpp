#include "plugin/isolate.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "plugin/trust.hpp"
#include "util/child_process.hpp"
#include "util/fd_io.hpp"
#include "util/sha256.hpp"

namespace chimp::internal {

namespace {

Status Errno(const std::string& file, const char* doing) {
  return Status::PluginError("plugin file '" + file + "': " + doing + ": " + std::strerror(errno));
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

// The child: "start\n" before each load, then "ok <text>\n", or
// "error <length>\n<message>" and stop; "done\n" after the last.
int ReportTrials(size_t count, const std::function<Result<std::string>(size_t)>& load, int report_fd) {
  try {
    for (size_t i = 0; i < count; ++i) {
      if (!WriteAll(report_fd, "start\n")) return 3;
      Result<std::string> loaded = load(i);
      if (!loaded.ok()) {
        const std::string message = loaded.status().message();
        return WriteAll(report_fd, "error " + std::to_string(message.size()) + "\n" + message) ? 0 : 3;
      }
      if (!WriteAll(report_fd, "ok " + *loaded + "\n")) return 3;
    }
    return WriteAll(report_fd, "done\n") ? 0 : 3;
  } catch (...) {
    return 4;
  }
}

struct Trials {
  size_t started = 0;
  std::vector<std::string> results;
  std::optional<std::string> error;  // the first failed load's message
  bool done = false;
};

// What the child reported (ReportTrials); a report cut short ends early.
Trials ParseTrials(const std::string& out) {
  Trials trials;
  size_t at = 0;
  for (size_t end; (end = out.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string line = out.substr(at, end - at);
    if (line == "start") {
      ++trials.started;
    } else if (line.rfind("ok ", 0) == 0) {
      trials.results.push_back(line.substr(3));
    } else if (line.rfind("error ", 0) == 0) {
      // Never throws: a length that does not parse takes the rest.
      trials.error = out.substr(end + 1, std::strtoul(line.c_str() + 6, nullptr, 10));
      return trials;
    } else if (line == "done") {
      trials.done = true;
    }
  }
  return trials;
}

}  // namespace

PluginImage::PluginImage(std::string file, int fd, std::string bytes, const struct stat& st)
    : file_(std::move(file)), fd_(fd), bytes_(std::move(bytes)), stat_(st) {}

PluginImage::PluginImage(PluginImage&& other) noexcept
    : file_(std::move(other.file_)),
      fd_(std::exchange(other.fd_, -1)),
      kept_(other.kept_),
      bytes_(std::move(other.bytes_)),
      stat_(other.stat_) {}

PluginImage::~PluginImage() {
  if (fd_ >= 0 && !kept_) ::close(fd_);
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
  return PluginImage(file, fd, std::move(bytes), st);
}

Result<std::vector<std::string>> TryInChild(const std::vector<std::string>& files, std::chrono::milliseconds timeout,
                                            const std::function<Result<std::string>(size_t index)>& load) {
  ChildOptions options;
  options.timeout = timeout;
  options.timeout_from_last_report = true;  // the limit is per plugin
  auto run = RunChild([&](int report_fd) { return ReportTrials(files.size(), load, report_fd); }, options);
  if (!run.ok()) {
    return Status::PluginError("plugin '" + files.front() + "': cannot try it in a child: " + run.status().message());
  }
  Trials trials = ParseTrials(run->output);
  if (trials.error) return Status::PluginError(*trials.error);
  if (trials.done && trials.results.size() == files.size() && run->exited() && run->exit_code() == 0) {
    return trials.results;
  }
  // The child ended (or hung) in the plugin it started last.
  const std::string& file = files[std::min(files.size(), std::max<size_t>(trials.started, 1)) - 1];
  if (run->timed_out) {
    return Status::PluginError("plugin '" + file + "' did not finish loading within " + SecondsText(timeout) +
                               " (a static constructor or chimp_plugin_entry hangs); the process loading it was "
                               "killed (CHIMP_PLUGIN_LOAD_TIMEOUT)");
  }
  return Status::PluginError("plugin '" + file + "' " + HowItEnded(*run));
}

}  // namespace chimp::internal
