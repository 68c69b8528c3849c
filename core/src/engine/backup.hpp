// migrate --backup: the dump taken before the first step (private to core).
#ifndef CHIMP_ENGINE_BACKUP_HPP_
#define CHIMP_ENGINE_BACKUP_HPP_

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
// $CHIMP_DUMP_PROGRAM overrides) into job.dir, records the binlog/GTID
// position from just before the dump, and appends a chimp_backups row,
// status 'success' or 'failed'. The password reaches the child only through
// an option file in an anonymous memfd (--defaults-file=/dev/fd/N), never
// argv, the environment (CHIMP_PASSWORD is not passed on) or a file on disk:
// nothing holds it once chimp and the child are gone, however they end.
// Errors: BackupFailed (the row is recorded first when possible).
// REQUIRES: the caller holds the migration lock; changelog.EnsureTables().
Result<BackupRecord> RunBackup(Connection& conn, Changelog& changelog, const BackupJob& job);

// The dump program's arguments after the program name, without the option
// file (for tests and the recorded `tool`). Pure.
std::vector<std::string> DumpArguments(const std::string& database);

// An option-file value, quoted and escaped for the [client] group. Pure.
std::string OptionFileValue(const std::string& value);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_BACKUP_HPP_
