// chimp log: every changelog row of the target database, oldest first.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

int RunLog(const Context& ctx) {
  Result<std::string> format = ChooseFormat(ctx, "log", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<std::vector<ChangelogEntry>> entries = ReadLog(ctx.options);
  if (!entries.ok()) return Fail(entries.status());
  Result<std::vector<BackupRecord>> backups = ReadBackups(ctx.options);
  if (!backups.ok()) return Fail(backups.status());
  Result<std::vector<RepairRecord>> repairs = ReadRepairs(ctx.options);
  if (!repairs.ok()) return Fail(repairs.status());

  if (*format == "json") {
    Json rows = Json::array();
    for (const ChangelogEntry& e : *entries) rows.push_back(EntryToJson(e));
    Json backup_rows = Json::array();
    for (const BackupRecord& b : *backups) backup_rows.push_back(BackupToJson(b));
    Json repair_rows = Json::array();
    for (const RepairRecord& r : *repairs) repair_rows.push_back(RepairToJson(r));
    PrintJson({{"database", ctx.options.database},
               {"changelog_schema", ctx.options.changelog_schema},
               {"entries", rows},
               {"backups", backup_rows},
               {"repairs", repair_rows}});
    return kExitOk;
  }
  if (entries->empty()) {
    std::cout << "The changelog has no entries for database '" << ctx.options.database << "'.\n";
    if (backups->empty() && repairs->empty()) return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const ChangelogEntry& e : *entries) {
    rows.push_back(
        {std::to_string(e.id), e.run_id.substr(0, 8), e.step_id, EdgeText(e.edge_from, e.edge_to), PhaseName(e.phase),
         IsEngineRow(e) ? e.step_id.substr(6) : StepKindName(e.kind), StepStatusName(e.status),
         e.started_at.substr(0, 19), e.duration_ms < 0 ? "-" : std::to_string(e.duration_ms),
         std::to_string(e.statement_index) + "/" + (e.statement_count > 0 ? std::to_string(e.statement_count) : "-"),
         FirstLine(e.error)});
  }
  if (!rows.empty()) {
    PrintTable(std::cout, {"ID", "RUN", "STEP", "EDGE", "PHASE", "KIND", "STATUS", "STARTED", "MS", "STMTS", "ERROR"},
               rows);
  }
  if (!backups->empty()) {
    std::vector<std::vector<std::string>> brows;
    for (const BackupRecord& b : *backups) {
      brows.push_back({std::to_string(b.id), b.run_id.substr(0, 8), b.started_at.substr(0, 19), b.status,
                       b.version.empty() ? "(empty)" : b.version,
                       b.file.empty() ? "-" : b.file + " (" + std::to_string(b.size_bytes) + " bytes)",
                       BinlogText(b).substr(2), FirstLine(b.error, 80)});
    }
    std::cout << "\nBackups:\n";
    PrintTable(std::cout, {"ID", "RUN", "STARTED", "STATUS", "VERSION", "FILE", "POSITION", "NOTE"}, brows, 2);
  }
  if (!repairs->empty()) {
    std::vector<std::vector<std::string>> rrows;
    for (const RepairRecord& r : *repairs) {
      rrows.push_back({std::to_string(r.id), r.run_id.substr(0, 8), r.executed_at.substr(0, 19), r.action,
                       r.step_id.empty() ? "-" : r.step_id,
                       (r.old_value.empty() ? std::string() : r.old_value + " -> ") + r.new_value, r.executed_by});
    }
    std::cout << "\nRepairs:\n";
    PrintTable(std::cout, {"ID", "RUN", "AT", "ACTION", "STEP", "CHANGE", "BY"}, rrows, 2);
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterLog(CLI::App* /*app*/) { return RunLog; }

}  // namespace chimp::cli
