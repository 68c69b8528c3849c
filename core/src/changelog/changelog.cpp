#include "chimp/changelog.hpp"

#include <chrono>
#include <utility>

#include "changelog/clean_snapshot.hpp"
#include "changelog/row_reader.hpp"

namespace chimp {

using internal::IntOf;
using internal::RowReader;
using internal::TextOf;

namespace {

constexpr const char* kChangelogTable = "chimp_changelog";
constexpr const char* kStateTable = "chimp_state";

// The layout is documented in doc/changelog.md; keep the two in step.
// Status, kind and phase are VARCHAR rather than ENUM so that later engine
// versions can add values without an ALTER of existing changelogs.
constexpr const char* kChangelogColumns = R"(
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
  done_sha256 CHAR(64) NULL,
  progress_done BIGINT NULL,
  progress_total BIGINT NULL,
  progress_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY by_step (target, step_id),
  KEY by_run (target, run_id)
)";

constexpr const char* kStateColumns = R"(
  target VARCHAR(64) NOT NULL,
  version VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  autoinc_checkpoint TEXT NULL,
  PRIMARY KEY (target)
)";

StepStatus ParseStepStatus(const std::string& text) {
  if (text == "success") return StepStatus::kSuccess;
  if (text == "running") return StepStatus::kRunning;
  if (text == "rolled_back") return StepStatus::kRolledBack;
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
// Read after kSelectColumns when the columns exist (EnsureTables adds them).
constexpr const char* kDoneColumn =
    ", IFNULL(done_sha256, ''), IFNULL(progress_done, -1), IFNULL(progress_total, -1), "
    "IFNULL(DATE_FORMAT(progress_at, '%Y-%m-%d %H:%i:%s.%f'), '')";
// ER_BAD_FIELD_ERROR: a changelog from before done_sha256, read by a
// read-only command (plan, status) that does not add columns.
constexpr uint32_t kErBadField = 1054;

ChangelogEntry ReadEntry(RowReader& r) {
  ChangelogEntry e;
  e.id = r.Int();
  e.run_id = r.Text();
  e.step_id = r.Text();
  e.edge_from = r.Text();
  e.edge_to = r.Text();
  e.phase = r.Text() == "cleanup" ? Phase::kCleanup : Phase::kExpand;
  e.kind = ParseKind(r.Text());
  e.checksum = r.Text();
  e.plugin_name = r.Text();
  e.plugin_version = r.Text();
  e.plugin_file = r.Text();
  e.description = r.Text();
  e.proposed_at = r.Text();
  e.started_at = r.Text();
  e.finished_at = r.Text();
  e.duration_ms = r.Int(-1);
  e.status = ParseStepStatus(r.Text());
  e.statement_index = r.Int32();
  e.statement_count = r.Int32();
  e.error = r.Text();
  e.warning_count = r.Int32();
  e.warnings = r.Text();
  e.executed_by = r.Text();
  e.engine_version = r.Text();
  e.pending_fingerprint = r.Text();
  return e;
}

ChangelogEntry ReadEntryWithDoneOnly(RowReader& r) {
  ChangelogEntry e = ReadEntry(r);
  e.done_sha256 = r.Text();
  return e;
}

ChangelogEntry ReadEntryWithDone(RowReader& r) {
  ChangelogEntry e = ReadEntry(r);
  e.done_sha256 = r.Text();
  e.progress_done = r.Int(-1);
  e.progress_total = r.Int(-1);
  e.progress_at = r.Text();
  return e;
}

}  // namespace

bool IsEngineRow(const ChangelogEntry& entry) { return entry.step_id.rfind(kEngineStepPrefix, 0) == 0; }

const char* StepStatusName(StepStatus status) {
  switch (status) {
    case StepStatus::kRunning: return "running";
    case StepStatus::kSuccess: return "success";
    case StepStatus::kFailed: return "failed";
    case StepStatus::kRolledBack: return "rolled_back";
  }
  return "failed";
}

Changelog::Changelog(Connection& conn, std::string schema, std::string target)
    : conn_(conn), schema_(std::move(schema)), target_(std::move(target)) {}

std::string Changelog::ChangelogTable() const { return internal::QualifiedName(schema_, kChangelogTable); }

std::string Changelog::StateTable() const { return internal::QualifiedName(schema_, kStateTable); }

// What EnsureTables creates, as information_schema.COLUMNS rows: when all
// are there, nothing needs creating (one read instead of nine statements
// of DDL on every run). Keep in step with EnsureTables.
constexpr const char* kNewestLayout =
    "(TABLE_NAME = 'chimp_changelog' AND (COLUMN_NAME IN ('done_sha256', 'progress_at') OR "
    "(COLUMN_NAME = 'pending_fingerprint' AND DATA_TYPE = 'text'))) OR "
    "(TABLE_NAME = 'chimp_state' AND COLUMN_NAME = 'autoinc_checkpoint') OR "
    "(TABLE_NAME IN ('chimp_repairs', 'chimp_backups', 'chimp_fingerprints') AND COLUMN_NAME = 'id')";
constexpr int64_t kNewestLayoutRows = 7;

Result<bool> Changelog::TablesAreNewest() {
  const Value params[] = {Value::Text(schema_)};
  CHIMP_ASSIGN_OR_RETURN(auto count, conn_.QueryScalar(std::string(kInternalTag) +
                                                           "SELECT COUNT(*) FROM information_schema.COLUMNS "
                                                           "WHERE TABLE_SCHEMA = ? AND (" +
                                                           kNewestLayout + ")",
                                                       params));
  return count.has_value() && IntOf(*count, 0) == kNewestLayoutRows;
}

Status Changelog::EnsureTables() {
  const std::string context = "changelog schema '" + schema_ + "'";
  CHIMP_ASSIGN_OR_RETURN(bool newest, TablesAreNewest());
  if (!newest) CHIMP_RETURN_IF_ERROR(CreateTables().WithContext(context));
  const Value params[] = {Value::Text(target_)};
  return conn_
      .Execute(
          "INSERT IGNORE INTO " + StateTable() + " (target, version, run_id, updated_at) VALUES (?, '', '', NOW(6))",
          params)
      .status()
      .WithContext(context);
}

Status Changelog::CreateTables() {
  const std::string context = "changelog schema '" + schema_ + "'";
  auto run = [&](const std::string& sql) -> Status { return conn_.Execute(sql).status().WithContext(context); };
  CHIMP_RETURN_IF_ERROR(internal::CreateSchema(conn_, schema_).WithContext(context));
  CHIMP_RETURN_IF_ERROR(internal::CreateTable(conn_, schema_, kChangelogTable, kChangelogColumns).WithContext(context));
  // Changelogs created before engine 0.x had no pending_fingerprint, and
  // had it as VARCHAR(100) (one fingerprint) before pre-images were
  // written for several statements at once.
  CHIMP_RETURN_IF_ERROR(
      run("ALTER TABLE " + ChangelogTable() + " ADD COLUMN IF NOT EXISTS pending_fingerprint TEXT NULL"));
  const Value column[] = {Value::Text(schema_), Value::Text(kChangelogTable)};
  CHIMP_ASSIGN_OR_RETURN(auto type, conn_.QueryScalar("SELECT DATA_TYPE FROM information_schema.COLUMNS "
                                                      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                                                      "AND COLUMN_NAME = 'pending_fingerprint'",
                                                      column));
  if (type.has_value() && TextOf(*type) != "text") {
    CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + ChangelogTable() + " MODIFY COLUMN pending_fingerprint TEXT NULL"));
  }
  // done_sha256 came with issue 10 (a changed step is not resumed by index).
  CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + ChangelogTable() + " ADD COLUMN IF NOT EXISTS done_sha256 CHAR(64) NULL"));
  // The progress columns came with issue 14 (status shows a running native
  // step's progress).
  CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + ChangelogTable() +
                            " ADD COLUMN IF NOT EXISTS progress_done BIGINT NULL, "
                            "ADD COLUMN IF NOT EXISTS progress_total BIGINT NULL, "
                            "ADD COLUMN IF NOT EXISTS progress_at DATETIME(6) NULL"));
  CHIMP_RETURN_IF_ERROR(internal::CreateTable(conn_, schema_, kStateTable, kStateColumns).WithContext(context));
  // Changelogs created before engine 0.x had no counter checkpoint.
  CHIMP_RETURN_IF_ERROR(run("ALTER TABLE " + StateTable() + " ADD COLUMN IF NOT EXISTS autoinc_checkpoint TEXT NULL"));
  CHIMP_RETURN_IF_ERROR(EnsureRepairsTable().WithContext(context));
  // chimp_fingerprints came with issue 12 (drift): created beside the
  // tables of an older changelog, which stay as they are.
  CHIMP_RETURN_IF_ERROR(EnsureFingerprintsTable().WithContext(context));
  return EnsureBackupsTable().WithContext(context);
}

Result<bool> Changelog::TablesExist() {
  const Value params[] = {Value::Text(schema_), Value::Text(kChangelogTable), Value::Text(kStateTable)};
  CHIMP_ASSIGN_OR_RETURN(auto count, conn_.QueryScalar("SELECT COUNT(*) FROM information_schema.TABLES "
                                                       "WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)",
                                                       params));
  return count.has_value() && count->ToString() == "2";
}

Result<ChangelogState> Changelog::ReadState() {
  ChangelogState state;
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return state;
  const Value params[] = {Value::Text(target_)};
  CHIMP_ASSIGN_OR_RETURN(auto result,
                         conn_.Query("SELECT version, run_id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') FROM " +
                                         StateTable() + " WHERE target = ?",
                                     params));
  if (result.rows.empty()) return state;
  RowReader row(result.rows.front());
  state.initialized = true;
  CHIMP_ASSIGN_OR_RETURN(state.version,
                         Version::Parse(row.Text(), "changelog " + StateTable() + " version of '" + target_ + "'",
                                        /*allow_empty=*/true));
  state.run_id = row.Text();
  state.updated_at = row.Text();
  return state;
}

Result<std::vector<ChangelogEntry>> Changelog::ReadEntries() {
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return std::vector<ChangelogEntry>();
  const Value params[] = {Value::Text(target_)};
  const std::string from = " FROM " + ChangelogTable() + " WHERE target = ? ORDER BY id";
  auto rows = internal::ReadRows(conn_, std::string("SELECT ") + kSelectColumns + kDoneColumn + from, params,
                                 &ReadEntryWithDone);
  if (rows.ok() || rows.status().server_errno() != kErBadField) return rows;
  // A changelog of the engine before the progress columns.
  rows = internal::ReadRows(conn_, std::string("SELECT ") + kSelectColumns + ", IFNULL(done_sha256, '')" + from, params,
                            &ReadEntryWithDoneOnly);
  if (rows.ok() || rows.status().server_errno() != kErBadField) return rows;
  return internal::ReadRows(conn_, std::string("SELECT ") + kSelectColumns + from, params, &ReadEntry);
}

Result<int64_t> Changelog::Insert(const ChangelogEntry& e) { return InsertEntry(e, -1); }

Result<int64_t> Changelog::InsertFinished(const ChangelogEntry& e, int64_t duration_ms) {
  return InsertEntry(e, std::max<int64_t>(duration_ms, 0));
}

Result<std::vector<int64_t>> Changelog::InsertAll(const std::vector<ChangelogEntry>& entries) {
  return InsertEntries(entries, -1);
}

// `duration_ms` < 0: a row that starts now; otherwise one that finished now
// and started that long ago.
Result<int64_t> Changelog::InsertEntry(const ChangelogEntry& e, int64_t duration_ms) {
  CHIMP_ASSIGN_OR_RETURN(std::vector<int64_t> ids, InsertEntries({e}, duration_ms));
  return ids.front();
}

std::string Changelog::EntryTuple(const ChangelogEntry& e, int64_t duration_ms, std::vector<Value>* values) const {
  const auto tracked = step_digests_.find(e.step_id);
  const std::vector<std::string>* digests = tracked != step_digests_.end() ? &tracked->second : nullptr;
  const bool known =
      digests != nullptr && e.statement_index >= 0 && static_cast<size_t>(e.statement_index) < digests->size();
  const bool finished = duration_ms >= 0;
  auto text_or_null = [](const std::string& text) { return text.empty() ? Value::Null() : Value::Text(text); };
  *values = {
      Value::Text(target_),
      Value::Text(e.run_id),
      Value::Text(e.step_id),
      Value::Text(e.edge_from),
      Value::Text(e.edge_to),
      Value::Text(PhaseName(e.phase)),
      Value::Text(StepKindName(e.kind)),
      Value::Text(e.checksum),
      Value::Text(e.plugin_name),
      Value::Text(e.plugin_version),
      Value::Text(e.plugin_file),
      Value::Text(e.description),
      Value::Text(e.proposed_at),
      Value::Text(StepStatusName(e.status)),
      Value::Int(e.statement_index),
      Value::Int(e.statement_count),
      Value::Text(e.engine_version),
      text_or_null(e.pending_fingerprint),
      known ? Value::Text((*digests)[static_cast<size_t>(e.statement_index)]) : Value::Null(),
      finished ? text_or_null(e.error) : Value::Null(),
      Value::Int(finished ? e.warning_count : 0),
      finished ? text_or_null(e.warnings) : Value::Null(),
  };
  const std::string started =
      finished ? "NOW(6) - INTERVAL " + std::to_string(duration_ms * 1000) + " MICROSECOND" : std::string("NOW(6)");
  const std::string ended = finished ? "NOW(6), " + std::to_string(duration_ms) : std::string("NULL, NULL");
  return Inline("(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + started + ", " + ended +
                    ", USER())",
                *values);
}

Result<std::vector<int64_t>> Changelog::InsertEntries(const std::vector<ChangelogEntry>& entries, int64_t duration_ms) {
  std::string sql = "INSERT INTO " + ChangelogTable() +
                    " (id, target, run_id, step_id, edge_from, edge_to, phase, kind, checksum, "
                    "plugin_name, plugin_version, plugin_file, description, proposed_at, status, "
                    "statement_index, statement_count, engine_version, pending_fingerprint, done_sha256, "
                    "error, warning_count, warnings, started_at, finished_at, duration_ms, executed_by) VALUES ";
  std::vector<Value> first;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::vector<Value> values;
    sql += (i > 0 ? ", " : "") + EntryTuple(entries[i], duration_ms, &values);
    if (i == 0) first = std::move(values);
  }
  // The deferred finishes ride along: their rows exist, so these rows
  // update them (the new rows come first: theirs are the ids generated).
  for (const DeferredFinish& d : deferred_) sql += ", " + DeferredFinishRow(d, first);
  if (!deferred_.empty()) {
    sql +=
        " ON DUPLICATE KEY UPDATE status = VALUES(status), statement_index = VALUES(statement_index), "
        "pending_fingerprint = VALUES(pending_fingerprint), done_sha256 = VALUES(done_sha256), "
        "error = VALUES(error), warning_count = VALUES(warning_count), warnings = VALUES(warnings), "
        "finished_at = VALUES(finished_at), "
        "duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, VALUES(finished_at)) DIV 1000";
  }
  CHIMP_ASSIGN_OR_RETURN(int64_t id, InsertRow(sql, {}, "changelog: recording step '" + entries.front().step_id + "'"));
  deferred_.clear();
  std::vector<int64_t> ids{id};
  if (entries.size() > 1) {
    CHIMP_ASSIGN_OR_RETURN(ids, InsertedIds(entries, id));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto tracked = step_digests_.find(entries[i].step_id);
    if (tracked != step_digests_.end()) row_digests_[ids[i]] = &tracked->second;
  }
  return ids;
}

Result<std::vector<int64_t>> Changelog::InsertedIds(const std::vector<ChangelogEntry>& entries, int64_t first) {
  const Value params[] = {Value::Text(target_), Value::Text(entries.front().run_id), Value::Int(first)};
  CHIMP_ASSIGN_OR_RETURN(QueryResult rows,
                         conn_.Query(Inline("SELECT id, step_id FROM " + ChangelogTable() +
                                                " WHERE target = ? AND run_id = ? AND id >= ? ORDER BY id",
                                            params)));
  std::vector<int64_t> ids;
  for (const auto& row : rows.rows) {
    if (ids.size() < entries.size() && row.size() == 2 && row[1].ToString() == entries[ids.size()].step_id) {
      ids.push_back(std::stoll(row[0].ToString()));
    }
  }
  if (ids.size() != entries.size()) {
    return Status::Internal("changelog: the rows inserted for step '" + entries.front().step_id +
                            "' and the steps after it cannot be read back");
  }
  return ids;
}

Status Changelog::DeleteRows(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  std::string list;
  for (int64_t id : ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
  return AfterFinish([&] {
    return conn_
        .Execute("DELETE FROM " + ChangelogTable() + " WHERE target = " + conn_.QuoteString(target_) +
                 " AND status = 'running' AND id IN (" + list + ")")
        .status()
        .WithContext("changelog: deleting the rows of steps the run did not start");
  });
}

std::string Changelog::DeferredFinishRow(const DeferredFinish& d, std::span<const Value> filler) const {
  const int64_t ago_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - d.at).count();
  // The new row's values for target ... proposed_at, statement_count and
  // engine_version; the finish's own for the rest.
  std::string row = "(" + std::to_string(d.id);
  for (size_t i = 0; i < 13; ++i) row += ", " + Inline("?", filler.subspan(i, 1));
  const Value own[] = {Value::Text(StepStatusName(StepStatus::kSuccess)), Value::Int(d.statement_index), filler[15],
                       filler[16]};
  row += Inline(", ?, ?, ?, ?", own);
  const Value warnings[] = {Value::Int(d.warning_count), d.warnings.empty() ? Value::Null() : Value::Text(d.warnings)};
  row += ", NULL, " + DoneDigestSql(d.id, d.statement_index) + ", NULL" + Inline(", ?, ?", warnings) +
         ", NOW(6), NOW(6) - INTERVAL " + std::to_string(ago_us) + " MICROSECOND, NULL, USER())";
  return row;
}

Status Changelog::DeferFinish(int64_t id, int32_t statement_index, int32_t warning_count, const std::string& warnings) {
  deferred_.push_back(DeferredFinish{id, statement_index, warning_count, warnings, std::chrono::steady_clock::now()});
  return Status::Ok();
}

Status Changelog::FlushFinish() { return AfterFinish(nullptr); }

// One commit for the finishes and the write (`write` may be empty): a
// transaction of their own when none is open and there is more than one
// statement, which a failure rolls back whole; the finishes are then lost
// like any deferred one, and the resume decides them by looking.
Status Changelog::AfterFinish(const std::function<Status()>& write) {
  if (deferred_.empty()) return write ? write() : Status::Ok();
  const bool own = !conn_.Flags().in_transaction && (write || deferred_.size() > 1);
  if (own) CHIMP_RETURN_IF_ERROR(conn_.Begin());
  const std::vector<DeferredFinish> waiting = std::move(deferred_);
  deferred_.clear();
  Status s = Status::Ok();
  for (const DeferredFinish& d : waiting) {
    const int64_t ago_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - d.at).count();
    s = FinishRow(d.id, StepStatus::kSuccess, d.statement_index, "", d.warning_count, d.warnings, ago_us);
    if (!s.ok()) break;
  }
  if (s.ok() && write) s = write();
  if (own) {
    if (s.ok()) s = conn_.Commit();
    if (!s.ok()) (void)conn_.Rollback();
  }
  return s;
}

void Changelog::TrackStatements(const std::string& step_id, std::vector<std::string> digests) {
  step_digests_[step_id] = std::move(digests);
}

std::string Changelog::DoneDigestSql(int64_t id, int32_t k) const {
  const auto row = row_digests_.find(id);
  if (row == row_digests_.end() || k < 0 || static_cast<size_t>(k) >= row->second->size()) return "NULL";
  return conn_.QuoteString((*row->second)[static_cast<size_t>(k)]);
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
  return AfterFinish([&] {
    return conn_
        .Execute("UPDATE " + ChangelogTable() + " SET statement_index = " + std::to_string(statement_index) +
                 ", pending_fingerprint = NULL, done_sha256 = " + DoneDigestSql(id, statement_index) +
                 " WHERE id = " + std::to_string(id))
        .status()
        .WithContext("changelog: advancing the statement index of row " + std::to_string(id));
  });
}

Status Changelog::SetStatementCount(int64_t id, int32_t statement_count) {
  return AfterFinish([&] {
    const Value params[] = {Value::Int(statement_count), Value::Int(id)};
    return conn_.Execute("UPDATE " + ChangelogTable() + " SET statement_count = ? WHERE id = ?", params)
        .status()
        .WithContext("changelog: correcting the statement count of row " + std::to_string(id));
  });
}

Status Changelog::SetPending(int64_t id, int32_t statement_index, const std::string& pending_fingerprint) {
  return AfterFinish([&] {
    return conn_
        .Execute("UPDATE " + ChangelogTable() + " SET statement_index = " + std::to_string(statement_index) +
                 ", pending_fingerprint = " + conn_.QuoteString(pending_fingerprint) +
                 ", done_sha256 = " + DoneDigestSql(id, statement_index) + " WHERE id = " + std::to_string(id))
        .status()
        .WithContext("changelog: recording the pre-image of statement " + std::to_string(statement_index + 1) +
                     " of row " + std::to_string(id));
  });
}

Status Changelog::Finish(int64_t id, StepStatus status, int32_t statement_index, const std::string& error,
                         int32_t warning_count, const std::string& warnings) {
  return AfterFinish([&] { return FinishRow(id, status, statement_index, error, warning_count, warnings, 0); });
}

Status Changelog::FinishRow(int64_t id, StepStatus status, int32_t statement_index, const std::string& error,
                            int32_t warning_count, const std::string& warnings, int64_t ago_us) {
  const std::string ended = ago_us > 0 ? "NOW(6) - INTERVAL " + std::to_string(ago_us) + " MICROSECOND" : "NOW(6)";
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
                          "warning_count = ?, warnings = ?, finished_at = " +
                          ended + ", duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, " + ended +
                          ") DIV 1000, "
                          "done_sha256 = " +
                          DoneDigestSql(id, statement_index) + " WHERE id = ?",
                      params))
      .status()
      .WithContext("changelog: finishing row " + std::to_string(id));
}

Status Changelog::CloseInterrupted() {
  CHIMP_RETURN_IF_ERROR(FlushFinish());
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
  return AfterFinish([&] {
    const Value params[] = {Value::Text(target_), Value::Text(version.ToString()), Value::Text(run_id)};
    return conn_
        .Execute(Inline("INSERT INTO " + StateTable() +
                            " (target, version, run_id, updated_at) VALUES (?, ?, ?, NOW(6)) "
                            "ON DUPLICATE KEY UPDATE version = VALUES(version), run_id = VALUES(run_id), "
                            "updated_at = VALUES(updated_at)",
                        params))
        .status()
        .WithContext("changelog: recording version " + version.ToString());
  });
}

// Runs once per transaction that inserts rows: the text protocol, as above.
Status Changelog::SetCounterCheckpoint(const std::string& checkpoint) {
  return AfterFinish([&] {
    return conn_
        .Execute("UPDATE " + StateTable() + " SET autoinc_checkpoint = " +
                 (checkpoint.empty() ? std::string("NULL") : conn_.QuoteString(checkpoint)) +
                 " WHERE target = " + conn_.QuoteString(target_))
        .status()
        .WithContext("changelog: recording the AUTO_INCREMENT checkpoint of '" + target_ + "'");
  });
}

Result<std::string> Changelog::ReadCounterCheckpoint() {
  const Value params[] = {Value::Text(target_)};
  CHIMP_ASSIGN_OR_RETURN(
      auto value, conn_.QueryScalar("SELECT autoinc_checkpoint FROM " + StateTable() + " WHERE target = ?", params));
  if (!value.has_value() || value->is_null()) return std::string();
  return TextOf(*value);
}

Status Changelog::SetChecksum(int64_t id, const std::string& checksum) {
  CHIMP_RETURN_IF_ERROR(FlushFinish());
  const Value params[] = {Value::Text(checksum), Value::Int(id)};
  return conn_.Execute("UPDATE " + ChangelogTable() + " SET checksum = ? WHERE id = ?", params)
      .status()
      .WithContext("changelog: re-recording the checksum of row " + std::to_string(id));
}

Result<int64_t> Changelog::MarkRolledBackAfter(int64_t after_id, const std::string& why) {
  const Value params[] = {Value::Text(why), Value::Text(target_), Value::Int(after_id)};
  CHIMP_ASSIGN_OR_RETURN(ExecInfo info,
                         conn_.Execute("UPDATE " + ChangelogTable() +
                                           " SET status = 'rolled_back', pending_fingerprint = NULL, "
                                           "error = CONCAT_WS('; ', NULLIF(error, ''), ?) WHERE target = ? AND id > ? "
                                           "AND status <> 'rolled_back' AND step_id NOT LIKE 'chimp:%'",
                                       params));
  return static_cast<int64_t>(info.affected_rows);
}

Result<int64_t> Changelog::InsertBaseline(const ChangelogEntry& entry) {
  CHIMP_RETURN_IF_ERROR(FlushFinish());
  CHIMP_ASSIGN_OR_RETURN(int64_t id, Insert(entry));
  const Value params[] = {Value::Int(id)};
  CHIMP_RETURN_IF_ERROR(
      conn_.Execute("UPDATE " + ChangelogTable() + " SET kind = 'baseline' WHERE id = ?", params).status());
  CHIMP_RETURN_IF_ERROR(Finish(id, StepStatus::kSuccess, 0, "", 0, ""));
  return id;
}

Result<int64_t> Changelog::LastEntryId() {
  CHIMP_ASSIGN_OR_RETURN(bool exists, TablesExist());
  if (!exists) return int64_t{0};
  const Value params[] = {Value::Text(target_)};
  CHIMP_ASSIGN_OR_RETURN(
      auto id, conn_.QueryScalar("SELECT IFNULL(MAX(id), 0) FROM " + ChangelogTable() + " WHERE target = ?", params));
  return id.has_value() ? IntOf(*id, 0) : 0;
}

ChangelogEntry MakeEntry(const Edge& edge, const Step& step, std::string_view run_id) {
  ChangelogEntry e;
  e.run_id = std::string(run_id);
  e.step_id = step.id;
  e.edge_from = edge.from.ToString();
  e.edge_to = edge.to.ToString();
  e.phase = step.phase;
  e.kind = step.kind;
  e.checksum = step.checksum;
  if (edge.plugin) {
    e.plugin_name = edge.plugin->name;
    e.plugin_version = edge.plugin->version;
    e.plugin_file = edge.plugin->file;
  }
  e.description = step.description;
  e.proposed_at = step.proposed_at;
  e.status = StepStatus::kRunning;
  e.engine_version = CHIMP_ENGINE_VERSION;
  return e;
}

std::optional<internal::CleanSnapshot> internal::ReadCleanSnapshot(Connection& conn, const std::string& schema,
                                                                   const std::string& target) {
  const std::string quoted_target = conn.QuoteString(target);
  auto state = conn.Query(std::string(kInternalTag) + "SELECT (SELECT COUNT(*) FROM information_schema.COLUMNS " +
                          "WHERE TABLE_SCHEMA = " + conn.QuoteString(schema) + " AND (" + kNewestLayout +
                          ")), version, run_id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), "
                          "IFNULL(autoinc_checkpoint, '') FROM " +
                          QualifiedName(schema, kStateTable) + " WHERE target = " + quoted_target);
  if (!state.ok() || state->rows.size() != 1) return std::nullopt;
  RowReader row(state->rows.front());
  if (row.Int() != kNewestLayoutRows) return std::nullopt;
  auto version = Version::Parse(row.Text(), "changelog state of '" + target + "'", /*allow_empty=*/true);
  if (!version.ok() || version->empty()) return std::nullopt;
  CleanSnapshot snapshot;
  snapshot.state.initialized = true;
  snapshot.state.version = std::move(version).value();
  snapshot.state.run_id = row.Text();
  snapshot.state.updated_at = row.Text();
  if (!row.Text().empty()) return std::nullopt;  // a checkpoint to restore
  auto entries =
      ReadRows(conn,
               std::string("SELECT ") + kSelectColumns + kDoneColumn + " FROM " +
                   QualifiedName(schema, kChangelogTable) + " WHERE target = " + quoted_target + " ORDER BY id",
               {}, &ReadEntryWithDone);
  if (!entries.ok()) return std::nullopt;
  for (const ChangelogEntry& e : *entries) {
    if (e.status == StepStatus::kRunning) return std::nullopt;
  }
  snapshot.entries = std::move(entries).value();
  return snapshot;
}

}  // namespace chimp
