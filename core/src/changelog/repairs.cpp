// chimp_repairs: the audit trail of `chimp repair` and `chimp baseline`
// (changelog.hpp; doc/changelog.md documents the columns).
#include "chimp/changelog.hpp"

#include "changelog/row_reader.hpp"

namespace chimp {

namespace {

constexpr const char* kRepairsTable = "chimp_repairs";

// The layout is documented in doc/changelog.md; keep the two in step.
constexpr const char* kRepairsColumns = R"(
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
)";

RepairRecord ReadRepair(internal::RowReader& row) {
  RepairRecord r;
  r.id = row.Int();
  r.run_id = row.Text();
  r.action = row.Text();
  r.step_id = row.Text();
  r.changelog_id = row.Int();
  r.old_value = row.Text();
  r.new_value = row.Text();
  r.note = row.Text();
  r.executed_by = row.Text();
  r.executed_at = row.Text();
  return r;
}

}  // namespace

const char* RepairKindName(RepairKind kind) {
  switch (kind) {
    case RepairKind::kChecksum: return "checksum";
    case RepairKind::kMarkApplied: return "mark-applied";
    case RepairKind::kMarkRolledBack: return "mark-rolled-back";
    case RepairKind::kStatementDone: return "statement-done";
    case RepairKind::kStatementNotDone: return "statement-not-done";
    case RepairKind::kBaseline: return "baseline";
    case RepairKind::kRestore: return "restore";
  }
  return "checksum";
}

std::string Changelog::RepairsTable() const { return internal::QualifiedName(schema_, kRepairsTable); }

Status Changelog::EnsureRepairsTable() { return internal::CreateTable(conn_, schema_, kRepairsTable, kRepairsColumns); }

Result<int64_t> Changelog::InsertRepair(const RepairRecord& r) {
  CHIMP_RETURN_IF_ERROR(FlushFinish());
  const Value params[] = {
      Value::Text(target_),
      Value::Text(r.run_id),
      Value::Text(r.action),
      Value::Text(r.step_id),
      r.changelog_id > 0 ? Value::Int(r.changelog_id) : Value::Null(),
      Value::Text(r.old_value),
      Value::Text(r.new_value),
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
  const Value params[] = {Value::Text(target_)};
  return internal::ReadRowsIfTable(
      conn_, schema_, kRepairsTable,
      std::string("SELECT id, run_id, action, step_id, IFNULL(changelog_id, 0), old_value, new_value, "
                  "IFNULL(note, ''), executed_by, DATE_FORMAT(executed_at, ") +
          internal::kDateFormat + ") FROM " + RepairsTable() + " WHERE target = ? ORDER BY id",
      params, &ReadRepair);
}

}  // namespace chimp
