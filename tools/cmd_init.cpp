// chimp init: creates the changelog tables and the target's state row.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {

CommandRun RegisterInit(CLI::App* /*app*/) {
  return [](const Context& ctx) -> int {
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
}

}  // namespace chimp::cli
