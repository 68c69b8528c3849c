// ScratchServer: the throwaway MariaDB that `rehearse` runs the plan on
// (private to core). The test harness has its own (tests/support/
// mariadb_server.hpp): it throws, shares one server per test process and
// keeps its directory after a crash for inspection; this one returns a
// Status, lives for one rehearsal and leaves nothing behind.
#ifndef CHIMP_ENGINE_SCRATCH_SERVER_HPP_
#define CHIMP_ENGINE_SCRATCH_SERVER_HPP_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

struct ScratchServerOptions {
  // Where mariadbd and mariadb-install-db are. Default: "" ($PATH, then
  // /usr/sbin, /usr/local/sbin, /usr/bin).
  std::string bin_dir;
  // Server options ("--loose-name=value") given to mariadb-install-db and
  // mariadbd after chimp's own, so they win.
  std::vector<std::string> settings;
};

// One mariadbd in a private directory (mkdtemp, mode 0700, under $TMPDIR or
// /tmp) on a unix socket only (--skip-networking), as root without a
// password (the directory is the only way in), started as chimp's child in
// a process group of its own that the kernel kills when chimp dies. The
// destructor stops it by its PID (SIGTERM, SIGKILL after 10 s) and removes
// the directory. A directory a killed chimp left behind (its owner PID
// gone) is removed by the next Start.
class ScratchServer {
 public:
  // Initialises the data directory and starts the server; returns once it
  // takes connections. Errors: NotFound (no mariadbd or
  // mariadb-install-db), Unavailable (it did not start, or a signal asked
  // chimp to stop; the message has the tail of its error log).
  static Result<std::unique_ptr<ScratchServer>> Start(const ScratchServerOptions& options);

  ~ScratchServer();
  ScratchServer(const ScratchServer&) = delete;
  ScratchServer& operator=(const ScratchServer&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  // Root over the socket, no default database, no option files.
  ConnectionOptions Options() const;

 private:
  ScratchServer() = default;
  Status Init(const ScratchServerOptions& options);
  Status WaitReady();
  void Stop();

  std::string dir_;
  std::string socket_;
  pid_t pid_ = 0;
};

// The directory prefix of scratch servers ("chimp-rehearse-"), for tests.
inline constexpr const char* kScratchDirPrefix = "chimp-rehearse-";

// "last lines of <path>:" and the last `lines` lines of the file, each on a
// line of its own indented by two spaces; "(no <path>)" when unreadable.
// The test harness (tests/support/mariadb_server.cpp) reports its servers'
// logs with it too.
std::string LogTail(const std::string& path, size_t lines = 15);

// Removes the directories under `base` whose name starts with `prefix`, whose
// `owner_file` names a process that is gone and whose mariadbd.pid names no
// live process: what a killed owner left behind (the kernel stopped its
// server). A directory without an owner file is left alone.
void RemoveDeadServerDirs(const std::string& base, const std::string& prefix, const std::string& owner_file);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SCRATCH_SERVER_HPP_
