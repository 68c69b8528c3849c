// chimp log: the changelog rows of the target database, oldest first, then
// its backups and repairs; --run, --step and --last narrow the rows.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct LogFilter {
  std::string run;   // a run id or its prefix ("" = every run)
  std::string step;  // a step id ("" = every step)
  size_t last = 0;   // only the newest N rows (0 = all)
};

// The entries `filter` keeps, in their order; backups and repairs of other
// runs and steps go too.
void Narrow(const LogFilter& filter, std::vector<ChangelogEntry>* entries, std::vector<BackupRecord>* backups,
            std::vector<RepairRecord>* repairs) {
  auto other_run = [&](const std::string& run_id) { return run_id.rfind(filter.run, 0) != 0; };
  auto other_step = [&](const std::string& step_id) { return !filter.step.empty() && step_id != filter.step; };
  std::erase_if(*entries, [&](const ChangelogEntry& e) { return other_run(e.run_id) || other_step(e.step_id); });
  std::erase_if(*backups, [&](const BackupRecord& b) { return other_run(b.run_id) || !filter.step.empty(); });
  std::erase_if(*repairs, [&](const RepairRecord& r) { return other_run(r.run_id) || other_step(r.step_id); });
  if (filter.last > 0 && entries->size() > filter.last) {
    entries->erase(entries->begin(), entries->end() - static_cast<std::ptrdiff_t>(filter.last));
  }
}

std::string ReleaseText(const ChangelogEntry& e) {
  if (e.plugin_name.empty()) return "-";
  return e.plugin_name + (e.plugin_version.empty() ? "" : " " + e.plugin_version);
}

void PrintEntries(const std::vector<ChangelogEntry>& entries) {
  std::vector<std::vector<std::string>> rows;
  for (const ChangelogEntry& e : entries) {
    rows.push_back(
        {std::to_string(e.id), e.run_id.substr(0, 8), e.step_id, EdgeText(e.edge_from, e.edge_to), ReleaseText(e),
         PhaseName(e.phase), IsEngineRow(e) ? e.step_id.substr(6) : StepKindName(e.kind), StepStatusName(e.status),
         e.started_at.substr(0, 19), e.duration_ms < 0 ? "-" : std::to_string(e.duration_ms),
         std::to_string(e.statement_index) + "/" + (e.statement_count > 0 ? std::to_string(e.statement_count) : "-"),
         e.proposed_at.empty() ? "-" : e.proposed_at, FirstLine(e.description, 50), FirstLine(e.error)});
  }
  PrintTable(std::cout,
             {"ID", "RUN", "STEP", "EDGE", "RELEASE", "PHASE", "KIND", "STATUS", "STARTED", "MS", "STMTS", "PROPOSED",
              "DESCRIPTION", "ERROR"},
             rows);
}

int RunLog(const Context& ctx, const LogFilter& filter) {
  Result<std::string> format = ChooseFormat(ctx, "log", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<std::vector<ChangelogEntry>> entries = ReadLog(ctx.options);
  if (!entries.ok()) return Fail(entries.status());
  Result<std::vector<BackupRecord>> backups = ReadBackups(ctx.options);
  if (!backups.ok()) return Fail(backups.status());
  Result<std::vector<RepairRecord>> repairs = ReadRepairs(ctx.options);
  if (!repairs.ok()) return Fail(repairs.status());
  const bool narrowed = !filter.run.empty() || !filter.step.empty() || filter.last > 0;
  Narrow(filter, &*entries, &*backups, &*repairs);

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
    std::cout << "The changelog has no entries" << (narrowed ? " that match" : "") << " for database '"
              << ctx.options.database << "'.\n";
    if (backups->empty() && repairs->empty()) return kExitOk;
  }
  if (!entries->empty()) PrintEntries(*entries);
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

CommandRun RegisterLog(CLI::App* app) {
  auto filter = std::make_shared<LogFilter>();
  app->add_option("--run", filter->run, "Only the rows of this run (its id, or the first characters of it)")
      ->type_name("RUN_ID");
  app->add_option("--step", filter->step, "Only the rows of this step")->type_name("STEP_ID");
  app->add_option("--last", filter->last, "Only the newest N changelog rows (after --run and --step)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  return [filter](const Context& ctx) { return RunLog(ctx, *filter); };
}

}  // namespace chimp::cli
