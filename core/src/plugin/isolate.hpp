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
// first in a forked child, within a time limit per plugin, and becomes a
// PluginError naming the file and what happened.
#ifndef CHIMP_PLUGIN_ISOLATE_HPP_
#define CHIMP_PLUGIN_ISOLATE_HPP_

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

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
  // fstat of the file as it was opened and read.
  const struct stat& stat() const { return stat_; }
  // What to dlopen: "/proc/self/fd/<memfd>" (valid in this process and in
  // a child forked from it while the memfd is open).
  std::string LoadPath() const;
  // Keeps the memfd open for the rest of the process (this object no longer
  // closes it). Call it once the copy is loaded: the dynamic loader knows a
  // library by the name it was opened with, so a later copy must never get
  // the same descriptor number (and name) while this one is loaded.
  void KeepOpen() { kept_ = true; }

 private:
  PluginImage(std::string file, int fd, std::string bytes, const struct stat& st);

  std::string file_;
  int fd_ = -1;  // owned; closed by the destructor unless kept_
  bool kept_ = false;
  std::string bytes_;  // what the memfd holds
  struct stat stat_ {};
};

// Forks one child that runs load(0), load(1), ... in order (each dlopens
// the copy of files[i] and calls its entry) and reports each outcome back.
// Returns what each load returned (e.g. a digest of the descriptor), or a
// PluginError for the first plugin that failed: its load's own error, or,
// naming files[i], that the child ended during load(i) without a report
// (exit, _exit), was killed by a signal (abort, SIGSEGV, SIGBUS), or was
// still in load(i) after `timeout` (then it is killed). One child for all:
// a fork per plugin would cost chimp a copy-on-write of its heap each time.
// REQUIRES: timeout > 0; files is not empty.
Result<std::vector<std::string>> TryInChild(const std::vector<std::string>& files, std::chrono::milliseconds timeout,
                                            const std::function<Result<std::string>(size_t index)>& load);

}  // namespace chimp::internal

#endif  // CHIMP_PLUGIN_ISOLATE_HPP_
