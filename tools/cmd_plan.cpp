// chimp plan: the dry run. Plans from the current version to the target and
// prints the path, the pending steps and what the pre-flight checks found
// (exit 11 when one failed); touches nothing.
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {

int RunPlan(const Context& ctx, const std::string& to, const std::string& phase, const char* command) {
  Result<std::string> format = ChooseFormat(ctx, command, {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<PlanRequest> request = MakePlanRequest(to, phase);
  if (!request.ok()) return Fail(request.status());
  Result<PlanReport> report = MakeMigrationPlan(ctx.options, *request);
  if (!report.ok()) return Fail(report.status());
  const Plan& plan = report->plan;
  const std::vector<CheckResult>& preflight = report->preflight;
  if (*format == "json") {
    Json doc = {{"database", ctx.options.database}, {"changelog_initialized", report->state.initialized}};
    doc.update(PlanToJson(plan, ctx.verbose));
    doc["preflight"] = CheckResultsToJson(preflight);
    doc["preflight_ok"] = AllPassed(preflight);
    PrintJson(doc);
  } else {
    if (!report->state.initialized) {
      std::cout << "The changelog is not initialized yet: planning from the empty version.\n";
    }
    PrintPlan(std::cout, ctx.options.database, plan, ctx.verbose);
    if (!preflight.empty()) {
      std::cout << "\nPre-flight checks, against the database as it is (" << CheckCountText(preflight) << "):\n";
      PrintCheckLines(std::cout, preflight, 2);
    }
  }
  if (!AllPassed(preflight)) {
    std::fflush(stdout);
    std::cerr << "chimp: " << command << ": a pre-flight check failed; migrate would stop before its first write\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

CommandRun RegisterPlan(CLI::App* app) {
  struct Options {
    std::string to;
    std::string phase = "expand";
  };
  auto opts = std::make_shared<Options>();
  AddTargetOptions(app, &opts->to, &opts->phase);
  return [opts](const Context& ctx) { return RunPlan(ctx, opts->to, opts->phase, "plan"); };
}

}  // namespace chimp::cli
