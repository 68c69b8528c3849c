// chimp plan: the dry run. Plans from the current version to the target and
// prints the path, the pending steps and what the pre-flight checks found
// (exit 11 when one failed); touches nothing.
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"

namespace chimp::cli {

int RunPlan(const Context& ctx, const std::string& to, const std::string& phase, const char* command) {
  Result<std::string> format = ChooseFormat(ctx, command, {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<PlanRequest> request = MakePlanRequest(to, phase);
  if (!request.ok()) return Fail(request.status());
  if (ctx.fleet()) {
    return RunFleet(ctx, {command, *format == "json"}, [&](const EngineOptions& target) {
      Result<PlanReport> r = MakeMigrationPlan(target, *request);
      if (!r.ok()) return FleetFailure(r.status());
      FleetOutcome o;
      o.known = true;
      o.from = r->plan.current.ToString();
      o.to = r->plan.target.ToString();
      o.steps = static_cast<int64_t>(r->plan.steps.size());
      if (!AllPassed(r->preflight)) {
        o.exit_code = kExitCheckFailed;
        o.message = "pre-flight: " + CheckCountText(r->preflight);
      }
      return o;
    });
  }
  Result<PlanReport> report = MakeMigrationPlan(ctx.options, *request);
  if (!report.ok()) return Fail(report.status());
  const Plan& plan = report->plan;
  const std::vector<CheckResult>& preflight = report->preflight;
  const std::string failure =
      std::string(command) + ": a pre-flight check failed; migrate would stop before its first write";
  if (*format == "json") {
    Json doc = {{"database", ctx.options.database}, {"changelog_initialized", report->state.initialized}};
    doc.update(PlanToJson(plan, ctx.verbose));
    doc["preflight"] = CheckResultsToJson(preflight);
    doc["preflight_ok"] = AllPassed(preflight);
    doc["error"] = AllPassed(preflight) ? Json(nullptr) : ErrorJson(kExitCheckFailed, failure);
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
    std::cerr << "chimp: " << failure << '\n';
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
