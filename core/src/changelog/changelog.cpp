#include "chimp/changelog.hpp"

#include <utility>

namespace chimp {

namespace {

constexpr const char* kChangelogTable = "chimp_changelog";
constexpr const char* kStateTable = "chimp_state";
constexpr const char* kRepairsTable = "chimp_repairs";
constexpr const char* kBackupsTable = "chimp_backups";

// The layout is documented in doc/changelog.md; keep the two in step.
// Status, kind and phase are VARCHAR rather than ENUM so that later engine
// versions can add values without an ALTER of existing changelogs.
constexpr const char* kCreateChangelog = R"(CREATE TABLE IF NOT EXISTS %s (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  target VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  step_id VARCHAR(128) NOT NULL,
  edge_from VARCHAR(64) NOT NULL,
  edge_to VARCHAR(64) NOT NULL,
  phase VARCHAR(16) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  checksum VARCHAR(100) NOT NULL,
  plugin_name VARCHAR(128) NOT NULL,
  plugin_version VARCHAR(64) NOT NULL,
  plugin_file VARCHAR(1024) NOT NULL,
  description VARCHAR(1024) NOT NULL,
  proposed_at VARCHAR(32) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  duration_ms BIGINT NULL,
  status VARCHAR(16) NOT NULL,
  statement_index INT NOT NULL DEFAULT 0,
  statement_count INT NOT NULL DEFAULT 0,
  error TEXT NULL,
  warning_count INT NOT NULL DEFAULT 0,
  warnings TEXT NULL,
  executed_by VARCHAR(300) NOT NULL,
  engine_version VARCHAR(32) NOT NULL,
  pending_fingerprint TEXT NULL,
  PRIMARY KEY (id),
  KEY by_step (target, step_id),
  KEY by_run (target, run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)";

constexpr const char* kCreateState = R"(CREATE TABLE IF NOT EXISTS %s (
  target VARCHAR(64) NOT NULL,
  version VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (target)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)";

constexpr const char* kCreateRepairs = R"(CREATE TABLE IF NOT EXISTS %s (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  target VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  action VARCHAR(32) NOT NULL,
  step_id VARCHAR(128) NOT NULL,
  changelog_id BIGINT UNSIGNED NULL,
  old_value VARCHAR(1024) NOT NULL,
  new_value VARCHAR(1024) NOT NULL,
  note TEXT NULL,
  executed_by VARCHAR(300) NOT NULL,
  executed_at DATETIME(6) NOT NULL,
  engine_version VARCHAR(32) NOT NULL,
  PRIMARY KEY (id),
  KEY by_target (target, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)";

constexpr const char* kCreateBackups = R"(CREATE TABLE IF NOT EXISTS %s (
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)";

std::string Format(const char* pattern, const std::string& table) {
  std::string out(pattern);
  out.replace(out.find("%s"), 2, table);
  return out;
}

std::string TextOf(const Value& v) { return v.is_null() ? std::string() : v.ToString(); }
int64_t IntOf(const Value& v, int64_t fallback) {
  if (v.type == Value::Type::kInt64) return v.i64;
  if (v.type == Value::Type::kText && !v.text.empty()) return std::stoll(v.text);
  return fallback;
}

StepStatus ParseStepStatus(const std::string& text) {
  if (text == "success") return StepStatus::kSuccess;
  if (text == "running") return StepStatus::kRunning;
  return StepStatus::kFailed;
}
StepKind ParseKind(const std::string& text) {
  if (text == "native") return StepKind::kNative;
  if (text == "check") return StepKind::kCheck;
  return StepKind::kSql;
}

constexpr const char* kSelectColumns =
    "id, run_id, step_id, edge_from, edge_to, phase, kind, checksum, plugin_name, "
    "plugin_version, plugin_file, description, proposed_at, "
    "DATE_FORMAT(started_at, '%Y-%m-%d %H:%i:%s.%f'), "
    "IFNULL(DATE_FORMAT(finished_at, '%Y-%m-%d %H:%i:%s.%f'), ''), IFNULL(duration_ms, -1), "
    "status, statement_index, statement_count, IFNULL(error, ''), warning_count, "
    "IFNULL(warnings, ''), executed_by, engine_version, IFNULL(pending_fingerprint, '')";

ChangelogEntry EntryFromRow(const Row& r) {
  ChangelogEntry e;
  e.id = IntOf(r[0], 0);
  e.run_id = TextOf(r[1]);
  e.step_id = TextOf(r[2]);
  e.edge_from = TextOf(r[3]);
  e.edge_to = TextOf(r[4]);
  e.phase = TextOf(r[5]) == "cleanup" ? Phase::kCleanup : Phase::kExpand;
  e.kind = ParseKind(TextOf(r[6]));
  e.checksum = TextOf(r[7]);
  e.plugin_name = TextOf(r[8]);
  e.plugin_version = TextOf(r[9]);
  e.plugin_file = TextOf(r[10]);
  e.description = TextOf(r[11]);
  e.proposed_at = TextOf(r[12]);
  e.started_at = TextOf(r[13]);
  e.finished_at = TextOf(r[14]);
  e.duration_ms = IntOf(r[15], -1);
  e.status = ParseStepStatus(TextOf(r[16]));
  e.statement_index = static_cast<int32_t>(IntOf(r[17], 0));
  e.statement_count = static_cast<int32_t>(IntOf(r[18], 0));
  e.error = TextOf(r[19]);
  e.warning_count = static_cast<int32_t>(IntOf(r[20], 0));
  e.warnings = TextOf(r[21]);
  e.executed_by = TextOf(r[22]);
  e.engine_version = TextOf(r[23]);
  e.pending_fingerprint = TextOf(r[24]);
  return e;
}

}  // namespace

bool IsEngineRow(const ChangelogEntry& entry) {
  return entry.step_id.rfind(kEngineStepPrefix, 0) == 0;
}

const char* StepStatusName(StepStatus status) {
  switch (status) {
    case StepStatus::kRunning: return "running";
    case StepStatus::kSuccess: return "success";
    case StepStatus::kFailed: return "failed";
  }
  return "failed";
}

Changelog::Changelog(Connection& conn, std::string schema, std::string target)
    : conn_(conn), schema_(std::move(schema)), target_(std::move(target)) {}

std::string Changelog::ChangelogTable() const {
  return Connection::QuoteIdentifier(schema_) + "." + Connection::QuoteIdentifier(kChangelogTable);
}

std::string Changelog::StateTable() const {
  return Connection::QuoteIdentifier(schema_) + "." + Connection::QuoteIdentifier(kStateTable);
}

std::string Changelog::RepairsTable() const {
  return Connection::QuoteIdentifier(schema_) + "." + Connection::QuoteIdentifier(kRepairsTable);
}

std::string Changelog::BackupsTable() const {
  return Connection::QuoteIdentifier(schema_) + "." + Connection::QuoteIdentifier(kBackupsTable);
}

Status Changelog::EnsureTables() {
  const std::string context = "changelog schema '" + schema_ + "'";
  auto run = [&](const std::string& sql) -> Status {
    return conn_.Execute(sql).status().WithContext(context);
  };
  CHIMP_RETURN_IF_ERROR(run("CREATE DATABASE IF NOT EXISTS " + Connection::QuoteIdentifier(schema_) +
                            " DEFAULT CHARACTER SET utf8mb4"));
  CHIMP_RETURN_IF_ERROR(run(Format(kCreateChangelog, ChangelogTable())));
  // Changelogs created before engine 0.x had no pending_fingerprint, and
  // had it as VARCHAR(100) (one fingerprint) before pre-images were
  // written for several statements at once.
  CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + ChangelogTable() +
                            " ADD COLUMN IF NOT EXISTS pending_fingerprint TEXT NULL"));
  const Value column[] = {Value::Text(schema_), Value::Text(kChangelogTable)};
  CHIMP_ASSIGN_OR_RETURN(auto type, conn_.QueryScalar("SELECT DATA_TYPE FROM information_schema.COLUMNS "
                                                      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                                                      "AND COLUMN_NAME = 'pending_fingerprint'",
                                                      column));
  if (type.has_value() && TextOf(*type) != "text") {
    CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + ChangelogTable() + " MODIFY COLUMN pending_fingerprint TEXT NULL"));
  }
  CHIMP_RETURN_IF_ERROR(run(Format(kCreateState, StateTable())));
  CHIMP_RETURN_IF_ERROR(run(Format(kCreateRepairs, RepairsTable())));
  CHIMP_RETURN_IF_ERROR(run(Format(kCreateBackups, BackupsTable())));
  const Value params[] = {Value::Text(target_)};
  return conn_
      .Execute("INSERT IGNORE INTO " + StateTable() +
                   " (target, version, run_id, updated_at) VALUES (?, '', '', NOW(6))",
               params)
      .status()
      .WithContext(context);
}

Result<bool> Changelog::TablesExist() {
  const Value params[] = {Value::Text(schema_), Value::Text(kChangelogTable), Value::Text(kStateTable)};
  CHIMP_ASSIGN_OR_RETURN(
      auto count,
      conn_.QueryScalar("SELECT COUNT(*) FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)",
                        params));
  return count.has_value() && count->ToString() == "2";
}

Result<ChangelogState> Changelog::ReadState() {
  ChangelogState state;
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return state;
  const Value params[] = {Value::Text(target_)};
  CHIMP_ASSIGN_OR_RETURN(
      auto result,
      conn_.Query("SELECT version, run_id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') FROM " +
                      StateTable() + " WHERE target = ?",
                  params));
  if (result.rows.empty()) return state;
  const Row& row = result.rows.front();
  state.initialized = true;
  CHIMP_ASSIGN_OR_RETURN(state.version,
                         Version::Parse(TextOf(row[0]), "changelog " + StateTable() + " version of '" +
                                                            target_ + "'",
                                        /*allow_empty=*/true));
  state.run_id = TextOf(row[1]);
  state.updated_at = TextOf(row[2]);
  return state;
}

Result<std::vector<ChangelogEntry>> Changelog::ReadEntries() {
  std::vector<ChangelogEntry> entries;
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return entries;
  const Value params[] = {Value::Text(target_)};
  CHIMP_RETURN_IF_ERROR(conn_.QueryEach(
      std::string("SELECT ") + kSelectColumns + " FROM " + ChangelogTable() +
          " WHERE target = ? ORDER BY id",
      params, [&](const Row& row) {
        entries.push_back(EntryFromRow(row));
        return true;
      }));
  return entries;
}

Result<int64_t> Changelog::Insert(const ChangelogEntry& e) {
  const Value params[] = {
      Value::Text(target_),        Value::Text(e.run_id),         Value::Text(e.step_id),
      Value::Text(e.edge_from),    Value::Text(e.edge_to),        Value::Text(PhaseName(e.phase)),
      Value::Text(StepKindName(e.kind)), Value::Text(e.checksum), Value::Text(e.plugin_name),
      Value::Text(e.plugin_version), Value::Text(e.plugin_file),  Value::Text(e.description),
      Value::Text(e.proposed_at),  Value::Text(StepStatusName(e.status)),
      Value::Int(e.statement_index), Value::Int(e.statement_count), Value::Text(e.engine_version),
      e.pending_fingerprint.empty() ? Value::Null() : Value::Text(e.pending_fingerprint),
  };
  return InsertRow(Inline("INSERT INTO " + ChangelogTable() +
                              " (target, run_id, step_id, edge_from, edge_to, phase, kind, checksum, "
                              "plugin_name, plugin_version, plugin_file, description, proposed_at, status, "
                              "statement_index, statement_count, engine_version, pending_fingerprint, "
                              "started_at, executed_by) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(6), USER())",
                          params),
                   {}, "changelog: recording step '" + e.step_id + "'");
}

Result<int64_t> Changelog::InsertRow(const std::string& sql, std::span<const Value> params,
                                     const std::string& context) {
  auto info = conn_.Execute(sql, params);
  if (!info.ok()) return info.status().WithContext(context);
  if (info->insert_id == 0) return Status::Internal(context + ": the INSERT generated no id");
  return static_cast<int64_t>(info->insert_id);
}

std::string Changelog::Inline(std::string_view sql, std::span<const Value> params) const {
  std::string out;
  size_t next = 0;
  bool in_identifier = false;  // a `?` in a quoted schema name stays
  for (char c : sql) {
    if (c == '`') in_identifier = !in_identifier;
    if (c != '?' || in_identifier || next >= params.size()) {
      out += c;
      continue;
    }
    const Value& v = params[next++];
    if (v.is_null()) {
      out += "NULL";
    } else if (v.type == Value::Type::kInt64 || v.type == Value::Type::kDouble) {
      out += v.ToString();
    } else {
      out += conn_.QuoteString(v.text);
    }
  }
  return out;
}

// The two writes below run once per DDL statement. They use the text
// protocol (one round trip) rather than a prepared statement (prepare,
// execute, close: three): their values are integers and a quoted string.
Status Changelog::SetStatementIndex(int64_t id, int32_t statement_index) {
  return conn_
      .Execute("UPDATE " + ChangelogTable() + " SET statement_index = " + std::to_string(statement_index) +
               ", pending_fingerprint = NULL WHERE id = " + std::to_string(id))
      .status()
      .WithContext("changelog: advancing the statement index of row " + std::to_string(id));
}

Status Changelog::SetPending(int64_t id, int32_t statement_index, const std::string& pending_fingerprint) {
  return conn_
      .Execute("UPDATE " + ChangelogTable() + " SET statement_index = " + std::to_string(statement_index) +
               ", pending_fingerprint = " + conn_.QuoteString(pending_fingerprint) +
               " WHERE id = " + std::to_string(id))
      .status()
      .WithContext("changelog: recording the pre-image of statement " + std::to_string(statement_index + 1) +
                   " of row " + std::to_string(id));
}

Status Changelog::Finish(int64_t id, StepStatus status, int32_t statement_index,
                         const std::string& error, int32_t warning_count,
                         const std::string& warnings) {
  const Value params[] = {
      Value::Text(StepStatusName(status)),
      Value::Int(statement_index),
      error.empty() ? Value::Null() : Value::Text(error),
      Value::Int(warning_count),
      warnings.empty() ? Value::Null() : Value::Text(warnings),
      Value::Int(id),
  };
  return conn_
      .Execute(Inline("UPDATE " + ChangelogTable() +
                          " SET status = ?, statement_index = ?, pending_fingerprint = NULL, error = ?, "
                          "warning_count = ?, warnings = ?, finished_at = NOW(6), "
                          "duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(6)) DIV 1000 "
                          "WHERE id = ?",
                      params))
      .status()
      .WithContext("changelog: finishing row " + std::to_string(id));
}

Status Changelog::CloseInterrupted() {
  const Value params[] = {Value::Text(target_)};
  return conn_
      .Execute("UPDATE " + ChangelogTable() +
                   " SET status = 'failed', error = CONCAT('interrupted: the run ended before the step "
                   "finished; statements completed: ', statement_index) "
                   "WHERE target = ? AND status = 'running'",
               params)
      .status()
      .WithContext("changelog: closing interrupted rows");
}

Status Changelog::SetVersion(const Version& version, const std::string& run_id) {
  const Value params[] = {Value::Text(target_), Value::Text(version.ToString()), Value::Text(run_id)};
  return conn_
      .Execute("INSERT INTO " + StateTable() +
                   " (target, version, run_id, updated_at) VALUES (?, ?, ?, NOW(6)) "
                   "ON DUPLICATE KEY UPDATE version = VALUES(version), run_id = VALUES(run_id), "
                   "updated_at = VALUES(updated_at)",
               params)
      .status()
      .WithContext("changelog: recording version " + version.ToString());
}

namespace {

Result<bool> TableExists(Connection& conn, const std::string& schema, const char* table) {
  const Value params[] = {Value::Text(schema), Value::Text(table)};
  CHIMP_ASSIGN_OR_RETURN(auto count,
                         conn.QueryScalar("SELECT COUNT(*) FROM information_schema.TABLES "
                                          "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                                          params));
  return count.has_value() && count->ToString() == "1";
}

constexpr const char* kDateFormat = "'%Y-%m-%d %H:%i:%s.%f'";

}  // namespace

Status Changelog::SetChecksum(int64_t id, const std::string& checksum) {
  const Value params[] = {Value::Text(checksum), Value::Int(id)};
  return conn_.Execute("UPDATE " + ChangelogTable() + " SET checksum = ? WHERE id = ?", params)
      .status()
      .WithContext("changelog: re-recording the checksum of row " + std::to_string(id));
}

Result<int64_t> Changelog::InsertRepair(const RepairRecord& r) {
  const Value params[] = {
      Value::Text(target_),      Value::Text(r.run_id),
      Value::Text(r.action),     Value::Text(r.step_id),
      r.changelog_id > 0 ? Value::Int(r.changelog_id) : Value::Null(),
      Value::Text(r.old_value),  Value::Text(r.new_value),
      r.note.empty() ? Value::Null() : Value::Text(r.note),
      Value::Text(CHIMP_ENGINE_VERSION),
  };
  return InsertRow("INSERT INTO " + RepairsTable() +
                       " (target, run_id, action, step_id, changelog_id, old_value, new_value, note, "
                       "engine_version, executed_by, executed_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, USER(), NOW(6))",
                   params, "changelog: recording the repair '" + r.action + "'");
}

Result<std::vector<RepairRecord>> Changelog::ReadRepairs() {
  std::vector<RepairRecord> out;
  CHIMP_ASSIGN_OR_RETURN(bool exists, TableExists(conn_, schema_, kRepairsTable));
  if (!exists) return out;
  const Value params[] = {Value::Text(target_)};
  CHIMP_RETURN_IF_ERROR(conn_.QueryEach(
      std::string("SELECT id, run_id, action, step_id, IFNULL(changelog_id, 0), old_value, new_value, "
                  "IFNULL(note, ''), executed_by, DATE_FORMAT(executed_at, ") +
          kDateFormat + ") FROM " + RepairsTable() + " WHERE target = ? ORDER BY id",
      params, [&](const Row& row) {
        RepairRecord r;
        r.id = IntOf(row[0], 0);
        r.run_id = TextOf(row[1]);
        r.action = TextOf(row[2]);
        r.step_id = TextOf(row[3]);
        r.changelog_id = IntOf(row[4], 0);
        r.old_value = TextOf(row[5]);
        r.new_value = TextOf(row[6]);
        r.note = TextOf(row[7]);
        r.executed_by = TextOf(row[8]);
        r.executed_at = TextOf(row[9]);
        out.push_back(std::move(r));
        return true;
      }));
  return out;
}

Result<int64_t> Changelog::InsertBackup(const BackupRecord& b) {
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
  std::vector<BackupRecord> out;
  CHIMP_ASSIGN_OR_RETURN(bool exists, TableExists(conn_, schema_, kBackupsTable));
  if (!exists) return out;
  const Value params[] = {Value::Text(target_)};
  CHIMP_RETURN_IF_ERROR(conn_.QueryEach(
      std::string("SELECT id, run_id, status, file, size_bytes, databases_dumped, binlog_file, "
                  "IFNULL(binlog_position, -1), IFNULL(gtid_position, ''), version, changelog_last_id, tool, "
                  "DATE_FORMAT(started_at, ") +
          kDateFormat + "), DATE_FORMAT(finished_at, " + kDateFormat +
          "), IFNULL(error, ''), executed_by FROM " + BackupsTable() + " WHERE target = ? ORDER BY id",
      params, [&](const Row& row) {
        BackupRecord b;
        b.id = IntOf(row[0], 0);
        b.run_id = TextOf(row[1]);
        b.status = TextOf(row[2]);
        b.file = TextOf(row[3]);
        b.size_bytes = IntOf(row[4], 0);
        b.databases = TextOf(row[5]);
        b.binlog_file = TextOf(row[6]);
        b.binlog_position = IntOf(row[7], -1);
        b.gtid_position = TextOf(row[8]);
        b.version = TextOf(row[9]);
        b.changelog_last_id = IntOf(row[10], 0);
        b.tool = TextOf(row[11]);
        b.started_at = TextOf(row[12]);
        b.finished_at = TextOf(row[13]);
        b.error = TextOf(row[14]);
        b.executed_by = TextOf(row[15]);
        out.push_back(std::move(b));
        return true;
      }));
  return out;
}

Result<int64_t> Changelog::LastEntryId() {
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return int64_t{0};
  const Value params[] = {Value::Text(target_)};
  CHIMP_ASSIGN_OR_RETURN(auto id, conn_.QueryScalar("SELECT IFNULL(MAX(id), 0) FROM " + ChangelogTable() +
                                                        " WHERE target = ?",
                                                    params));
  return id.has_value() ? IntOf(*id, 0) : 0;
}

Status Changelog::SetStatementCount(int64_t id, int32_t statement_count) {
  const Value params[] = {Value::Int(statement_count), Value::Int(id)};
  return conn_.Execute("UPDATE " + ChangelogTable() + " SET statement_count = ? WHERE id = ?", params).status();
}

}  // namespace chimp
