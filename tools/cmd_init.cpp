// chimp init: creates the changelog tables and the target's state row.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {

std::unique_ptr<Command> AddInitCommand(CLI::App& root) {
  auto cmd = std::make_unique<Command>();
  cmd->app = root.add_subcommand(
      "init", "Create the changelog tables for the target database (idempotent; migrate does it too)");
  cmd->run = [](const Context& ctx) -> int {
    Result<std::string> format = ChooseFormat(ctx, "init", {"text", "json"});
    if (!format.ok()) return Fail(format.status());
    Status status = InitChangelog(ctx.options);
    if (!status.ok()) return Fail(status);
    if (*format == "json") {
      PrintJson({{"database", ctx.options.database},
                 {"changelog_schema", ctx.options.changelog_schema},
                 {"initialized", true}});
    } else {
      std::cout << "Changelog ready in schema '" << ctx.options.changelog_schema << "' for database '"
                << ctx.options.database << "'.\n";
    }
    return kExitOk;
  };
  return cmd;
}

}  // namespace chimp::cli
