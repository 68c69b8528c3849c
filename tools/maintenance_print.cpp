// Printing shared by the maintenance commands (validate, repair, baseline)
// and by status/log/migrate for backups and repairs.
#include "common.hpp"

namespace chimp::cli {

Json BackupToJson(const BackupRecord& b) {
  return {{"id", b.id},
          {"run_id", b.run_id},
          {"status", b.status},
          {"file", b.file},
          {"size_bytes", b.size_bytes},
          {"databases", b.databases},
          {"binlog_file", b.binlog_file},
          {"binlog_position", b.binlog_position >= 0 ? Json(b.binlog_position) : Json(nullptr)},
          {"gtid_position", b.gtid_position},
          {"version", b.version},
          {"changelog_last_id", b.changelog_last_id},
          {"tool", b.tool},
          {"started_at", b.started_at},
          {"finished_at", b.finished_at},
          {"error", b.error},
          {"executed_by", b.executed_by}};
}

Json RepairToJson(const RepairRecord& r) {
  return {{"id", r.id},
          {"run_id", r.run_id},
          {"action", r.action},
          {"step_id", r.step_id},
          {"changelog_id", r.changelog_id},
          {"old_value", r.old_value},
          {"new_value", r.new_value},
          {"note", r.note},
          {"executed_by", r.executed_by},
          {"executed_at", r.executed_at}};
}

std::string BinlogText(const BackupRecord& b) {
  std::string out;
  if (!b.binlog_file.empty()) {
    out += ", binlog " + b.binlog_file;
    if (b.binlog_position >= 0) out += ":" + std::to_string(b.binlog_position);
  }
  if (!b.gtid_position.empty()) out += ", GTID " + b.gtid_position;
  if (out.empty()) out = ", binlog off";
  return out;
}

}  // namespace chimp::cli
