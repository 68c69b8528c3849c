// chimp adhoc: runs one-off SQL (a file or -e) through the same splitter and
// connection as migration steps, one statement at a time; stops at the first
// error. --dry-run prints the statements it would send, one per block.
#include <fstream>
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {

CommandRun RegisterAdhoc(CLI::App* app) {
  struct Options {
    std::string file;
    std::string execute;
    std::string dialect = "client";
    bool dry_run = false;
  };
  auto opts = std::make_shared<Options>();
  auto* file = app->add_option("--file,-f", opts->file, "SQL script to run")->type_name("FILE");
  auto* exec = app->add_option("--execute,-e", opts->execute, "SQL to run")->type_name("SQL");
  file->excludes(exec);
  exec->excludes(file);
  app->add_option("--dialect", opts->dialect,
                  "client (Default: split as the mariadb client does) or script-runner (CloudStack's "
                  "line-based runner)")
      ->check(CLI::IsMember({"client", "script-runner"}));
  app->add_flag("--dry-run", opts->dry_run, "Only print the statements that would be sent, one per block");
  return [opts](const Context& ctx) -> int {
    std::string script;
    std::string source;
    if (!opts->file.empty()) {
      std::ifstream in(opts->file, std::ios::binary);
      if (!in) return Fail(Status::NotFound("cannot read SQL file '" + opts->file + "'"));
      std::ostringstream text;
      text << in.rdbuf();
      script = text.str();
      source = opts->file;
    } else if (!opts->execute.empty()) {
      script = opts->execute;
      source = "-e";
    } else {
      return Fail(Status::InvalidArgument("adhoc needs --file FILE or -e SQL"));
    }
    int32_t shown = 0;
    auto on_statement = [&](const SqlStatement& s, const ExecInfo* info) {
      if (info == nullptr) {
        std::cout << (shown++ ? "\n" : "") << "-- " << source << ":" << s.first_line << "\n" << s.text << "\n";
        return;
      }
      if (ctx.quiet) return;
      std::cout << source << ":" << s.first_line << ": ok";
      if (info->affected_rows > 0) std::cout << ", " << info->affected_rows << " rows affected";
      if (info->warning_count > 0) std::cout << ", " << info->warning_count << " warnings";
      std::cout << "\n";
    };
    auto result = RunAdhoc(ctx.options, script, source, opts->dialect == "script-runner", opts->dry_run, on_statement);
    if (!result.ok()) return Fail(result.status());
    if (!opts->dry_run && !ctx.quiet) {
      std::cout << *result << (*result == 1 ? " statement" : " statements") << " run.\n";
    }
    return kExitOk;
  };
}

}  // namespace chimp::cli
