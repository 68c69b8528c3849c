// Isolation of plugin loading (private to core; used by
// core/src/plugin/loader.cpp).
//
// PluginImage: the bytes of one plugin file, read once into a sealed
// memfd. Everything after that (the SHA-256 a bundle manifest is checked
// against, the trial load in a child, the load into chimp) uses this copy,
// never the path again: a file replaced, truncated or overwritten in place
// while chimp runs changes nothing chimp loaded.
//
// TryInChild: the trial. Loading a plugin runs its static constructors and
// its entry; whatever they do (exit, _exit, abort, a crash, a hang) happens
// first in a forked child, within a time limit, and becomes a PluginError
// naming the file and what happened.
#ifndef CHIMP_PLUGIN_ISOLATE_HPP_
#define CHIMP_PLUGIN_ISOLATE_HPP_

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <string>

#include "chimp/status.hpp"

namespace chimp::internal {

class PluginImage {
 public:
  // Reads `file` (canonical, no link) once into a memfd sealed against any
  // change. With `judge`, the opened file's owner and mode are judged
  // (plugin/trust.hpp CheckTrustedStat) on the descriptor that is read.
  // Errors: PluginError naming the file (cannot open or read, untrusted).
  static Result<PluginImage> Read(const std::string& file, bool judge);

  PluginImage(PluginImage&& other) noexcept;
  PluginImage& operator=(PluginImage&&) = delete;
  PluginImage(const PluginImage&) = delete;
  PluginImage& operator=(const PluginImage&) = delete;
  ~PluginImage();

  // The canonical path the bytes were read from: what messages name.
  const std::string& file() const { return file_; }
  // Lower-case hex SHA-256 of the bytes, e.g. for a manifest check
  // (computed on each call).
  std::string Sha256() const;
  size_t size() const { return bytes_.size(); }
  // What to dlopen: "/proc/self/fd/<memfd>" (valid in this process and in
  // a child forked from it while this object lives).
  std::string LoadPath() const;

 private:
  PluginImage(std::string file, int fd, std::string bytes);

  std::string file_;
  int fd_ = -1;        // owned; closed by the destructor
  std::string bytes_;  // what the memfd holds
};

// Forks; the child runs `load` (which dlopens and calls the entry) and
// reports its outcome back: the text `load` returns (e.g. a digest of the
// descriptor), or its error. Returns that text, or a PluginError naming
// `file` when `load` failed, when the child ended without a report (exit,
// _exit), was killed by a signal (abort, SIGSEGV, SIGBUS), or was still
// running after `timeout` (then it is killed).
// REQUIRES: timeout > 0.
Result<std::string> TryInChild(const std::string& file, std::chrono::milliseconds timeout,
                               const std::function<Result<std::string>()>& load);

}  // namespace chimp::internal

#endif  // CHIMP_PLUGIN_ISOLATE_HPP_
