// chimp baseline: marks an existing database as being at a version without
// running anything (the bridge from a legacy upgrader).
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct BaselineFlags {
  std::string version;
  bool force = false;
};

int RunBaseline(const Context& ctx, const BaselineFlags& flags) {
  Result<std::string> format = ChooseFormat(ctx, "baseline", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  BaselineRequest request;
  request.force = flags.force;
  if (!flags.version.empty()) {
    Result<Version> v = Version::Parse(flags.version, "--version");
    if (!v.ok()) return Fail(v.status());
    request.version = *v;
  }
  const std::string database = ctx.options.database;
  auto on_wait = [database](const LockHolder& holder) {
    std::fflush(stdout);
    std::cerr << "chimp: waiting for the migration lock of '" << database << "', held by " << holder.ToString() << '\n';
  };
  Result<BaselineReport> result = Baseline(ctx.options, request, on_wait);
  if (!result.ok()) return Fail(result.status());
  if (*format == "json") {
    PrintJson({{"database", database},
               {"version", result->version.ToString()},
               {"source", result->source},
               {"run_id", result->run_id}});
  } else {
    std::cout << "Database '" << database << "' baselined at version " << result->version.ToString() << " ("
              << result->source << "; run " << result->run_id << "). Nothing was run; chimp migrate continues "
              << "from there.\n";
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterBaseline(CLI::App* app) {
  auto flags = std::make_shared<BaselineFlags>();
  app->add_option("--version", flags->version,
                  "The version the database is at (Default: what a plugin's legacy version query finds)")
      ->type_name("VERSION");
  app->add_flag("--force", flags->force, "Accept a version the plugins' graph does not know");
  return [flags](const Context& ctx) { return RunBaseline(ctx, *flags); };
}

}  // namespace chimp::cli
