// migrate --backup: the dump taken before the first step (private to core).
#ifndef CHIMP_ENGINE_BACKUP_HPP_
#define CHIMP_ENGINE_BACKUP_HPP_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// What RunBackup dumps, where, and how it connects; the caller owns it.
struct BackupJob {
  std::string dir;       // where the dump goes (created when missing)
  std::string database;  // the target database
  std::string run_id;
  std::string version;           // the target's version now
  ConnectionOptions connection;  // how the dump program connects
  // When set: told the dump file and the bytes written so far, about twice
  // a second while the dump program runs, on a thread of its own.
  std::function<void(const std::string& file, uint64_t bytes)> on_bytes;
};

// Dumps job.database (when it exists) with mariadb-dump (or mysqldump;
// $CHIMP_DUMP_PROGRAM overrides), through gzip, into job.dir
// (<database>-<UTC time>-<run>.sql.gz, starting with DumpHeader and without
// the database's name in any statement), records the binlog/GTID
// position from just before the dump, and appends a chimp_backups row,
// status 'success' or 'failed'. The password reaches the child only through
// an option file in an anonymous memfd (--defaults-file=/dev/fd/N), never
// argv, the environment (CHIMP_PASSWORD is not passed on) or a file on disk:
// nothing holds it once chimp and the child are gone, however they end.
// Errors: BackupFailed (the row is recorded first when possible).
// REQUIRES: the caller holds the migration lock; changelog.EnsureTables().
Result<BackupRecord> RunBackup(Connection& conn, Changelog& changelog, const BackupJob& job);

// The dump program: $CHIMP_DUMP_PROGRAM, else mariadb-dump or mysqldump on
// $PATH; "" when there is none.
std::string FindDumpProgram();
// The client program: $CHIMP_CLIENT_PROGRAM, else mariadb or mysql on
// $PATH; "" when there is none.
std::string FindClientProgram();

// The dump program's arguments after the program name, without the option
// file (for tests and the recorded `tool`). Pure.
std::vector<std::string> DumpArguments(const std::string& database);

// An option-file value, quoted and escaped for the [client] group. Pure.
std::string OptionFileValue(const std::string& value);

// The [client] option file of a client program (mariadb-dump, mariadb) for
// `c`: user, password, socket or host and port, TLS. Pure.
std::string OptionFileText(const ConnectionOptions& c);

// OptionFileText in an anonymous memfd (close-on-exec, mode 0600): the
// child inherits it (ChildOptions::inherit_fds) and reads it as
// /dev/fd/N; nothing on disk ever holds the password. Returns the
// descriptor; the caller closes it. Errors: BackupFailed.
Result<int> WriteOptionFile(const ConnectionOptions& c);

// "--defaults-file=/dev/fd/N" (or --defaults-extra-file= when `c` reads the
// user's default option files too).
std::string DefaultsArgument(const ConnectionOptions& c, int option_fd);

// The first line of a dump chimp wrote (a SQL comment, so the client skips
// it): the database it came from and its character set and collation, for
// restore to recreate it by any name.
inline constexpr const char* kDumpHeaderPrefix = "-- chimp backup of database ";
std::string DumpHeader(const std::string& database, const std::string& charset, const std::string& collation);

// What Pump passed on.
struct Pumped {
  uint64_t bytes = 0;
  std::string head;  // the first head_bytes bytes
  std::string tail;  // the last 512 bytes
};
// Copies `in` to `out` (-1: nowhere) until end of file, keeping its head
// and tail; a closed `out` (EPIPE) is an error, not a SIGPIPE.
// `*so_far`, when given, counts the bytes read as they come (for a
// progress display on another thread).
Result<Pumped> Pump(int in, int out, size_t head_bytes, std::atomic<uint64_t>* so_far = nullptr);

// The contents of a memfd a child wrote (its stderr).
std::string ReadMemFile(int fd);

// "" when `wait_status` is a clean exit; else what ended `program`.
std::string DescribeEnd(const std::string& program, int wait_status);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_BACKUP_HPP_
