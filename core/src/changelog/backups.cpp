// chimp_backups: one row per `migrate --backup` dump attempt
// (changelog.hpp; doc/changelog.md documents the columns).
#include "chimp/changelog.hpp"

#include "changelog/row_reader.hpp"

namespace chimp {

namespace {

constexpr const char* kBackupsTable = "chimp_backups";

// The layout is documented in doc/changelog.md; keep the two in step.
constexpr const char* kBackupsColumns = R"(
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  target VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  status VARCHAR(16) NOT NULL,
  file VARCHAR(2048) NOT NULL,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  databases_dumped VARCHAR(1024) NOT NULL,
  binlog_file VARCHAR(512) NOT NULL,
  binlog_position BIGINT NULL,
  gtid_position TEXT NULL,
  version VARCHAR(64) NOT NULL,
  changelog_last_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  tool VARCHAR(2048) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NOT NULL,
  error TEXT NULL,
  executed_by VARCHAR(300) NOT NULL,
  engine_version VARCHAR(32) NOT NULL,
  PRIMARY KEY (id),
  KEY by_run (target, run_id)
)";

BackupRecord ReadBackup(internal::RowReader& row) {
  BackupRecord b;
  b.id = row.Int();
  b.run_id = row.Text();
  b.status = row.Text();
  b.file = row.Text();
  b.size_bytes = row.Int();
  b.databases = row.Text();
  b.binlog_file = row.Text();
  b.binlog_position = row.Int(-1);
  b.gtid_position = row.Text();
  b.version = row.Text();
  b.changelog_last_id = row.Int();
  b.tool = row.Text();
  b.started_at = row.Text();
  b.finished_at = row.Text();
  b.error = row.Text();
  b.executed_by = row.Text();
  return b;
}

}  // namespace

std::string Changelog::BackupsTable() const { return internal::QualifiedName(schema_, kBackupsTable); }

Status Changelog::EnsureBackupsTable() { return internal::CreateTable(conn_, schema_, kBackupsTable, kBackupsColumns); }

Result<int64_t> Changelog::InsertBackup(const BackupRecord& b) {
  CHIMP_RETURN_IF_ERROR(FlushFinish());
  const Value params[] = {
      Value::Text(target_),
      Value::Text(b.run_id),
      Value::Text(b.status),
      Value::Text(b.file),
      Value::Int(b.size_bytes),
      Value::Text(b.databases),
      Value::Text(b.binlog_file),
      b.binlog_position >= 0 ? Value::Int(b.binlog_position) : Value::Null(),
      b.gtid_position.empty() ? Value::Null() : Value::Text(b.gtid_position),
      Value::Text(b.version),
      Value::Int(b.changelog_last_id),
      Value::Text(b.tool),
      Value::Text(b.started_at),
      Value::Text(b.finished_at),
      b.error.empty() ? Value::Null() : Value::Text(b.error),
      Value::Text(CHIMP_ENGINE_VERSION),
  };
  return InsertRow(std::string("INSERT INTO ") + BackupsTable() +
                       " (target, run_id, status, file, size_bytes, databases_dumped, binlog_file, "
                       "binlog_position, gtid_position, version, changelog_last_id, tool, started_at, "
                       "finished_at, error, engine_version, executed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, COALESCE(NULLIF(?, ''), NOW(6)), COALESCE(NULLIF(?, ''), NOW(6)), ?, ?, USER())",
                   params, "changelog: recording the backup of run " + b.run_id);
}

Result<std::vector<BackupRecord>> Changelog::ReadBackups() {
  const Value params[] = {Value::Text(target_)};
  const std::string date_format = internal::kDateFormat;
  return internal::ReadRowsIfTable(
      conn_, schema_, kBackupsTable,
      "SELECT id, run_id, status, file, size_bytes, databases_dumped, binlog_file, "
      "IFNULL(binlog_position, -1), IFNULL(gtid_position, ''), version, changelog_last_id, tool, "
      "DATE_FORMAT(started_at, " +
          date_format + "), DATE_FORMAT(finished_at, " + date_format + "), IFNULL(error, ''), executed_by FROM " +
          BackupsTable() + " WHERE target = ? ORDER BY id",
      params, &ReadBackup);
}

}  // namespace chimp
