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

  if (*format == "json") {
    Json rows = Json::array();
    for (const ChangelogEntry& e : *entries) rows.push_back(EntryToJson(e));
    PrintJson({{"database", ctx.options.database},
               {"changelog_schema", ctx.options.changelog_schema},
               {"entries", rows}});
    return kExitOk;
  }
  if (entries->empty()) {
    std::cout << "The changelog has no entries for database '" << ctx.options.database << "'.\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const ChangelogEntry& e : *entries) {
    rows.push_back({std::to_string(e.id), e.run_id.substr(0, 8), e.step_id, EdgeText(e.edge_from, e.edge_to),
                    PhaseName(e.phase), StepKindName(e.kind), StepStatusName(e.status), e.started_at.substr(0, 19),
                    e.duration_ms < 0 ? "-" : std::to_string(e.duration_ms),
                    std::to_string(e.statement_index) + "/" +
                        (e.statement_count > 0 ? std::to_string(e.statement_count) : "-"),
                    FirstLine(e.error)});
  }
  PrintTable(std::cout,
             {"ID", "RUN", "STEP", "EDGE", "PHASE", "KIND", "STATUS", "STARTED", "MS", "STMTS", "ERROR"}, rows);
  return kExitOk;
}

}  // namespace

std::unique_ptr<Command> AddLogCommand(CLI::App& root) {
  auto cmd = std::make_unique<Command>();
  cmd->app = root.add_subcommand("log", "List every changelog row of the target database, oldest first");
  cmd->run = RunLog;
  return cmd;
}

}  // namespace chimp::cli
