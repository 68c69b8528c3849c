// chimp check: the changelog's health, the sanity checks of the current
// version, the pre-flight checks of the pending path and drift, one line each
// (text) or one object each (json). Exit 11 when one failed; takes no lock
// and writes nothing.
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"

namespace chimp::cli {
namespace {

int RunCheck(const Context& ctx, const std::string& to) {
  Result<std::string> format = ChooseFormat(ctx, "check", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<PlanRequest> request = MakePlanRequest(to, "expand");
  if (!request.ok()) return Fail(request.status());
  if (ctx.fleet()) {
    return RunFleet(ctx, {"check", *format == "json"}, [&](const EngineOptions& target) {
      Result<CheckReport> r = RunChecks(target, *request);
      if (!r.ok()) return FleetFailure(r.status());
      FleetOutcome o;
      o.known = true;
      o.from = r->state.version.ToString();
      o.to = r->plan.has_value() ? r->plan->target.ToString() : o.from;
      o.steps = static_cast<int64_t>(r->checks.size());
      if (!r->ok()) {
        o.exit_code = kExitCheckFailed;
        o.message = CheckCountText(r->checks);
      }
      return o;
    });
  }
  Result<CheckReport> result = RunChecks(ctx.options, *request);
  if (!result.ok()) return Fail(result.status());
  const CheckReport& r = *result;
  const std::string target = r.plan.has_value() ? r.plan->target.ToString() : "";
  const std::string failure = "check: " + CheckCountText(r.checks);
  if (*format == "json") {
    PrintJson({{"database", r.database},
               {"current_version", r.state.version.ToString()},
               {"target_version", r.plan.has_value() ? Json(target) : Json(nullptr)},
               {"ok", r.ok()},
               {"checks", CheckResultsToJson(r.checks)},
               {"error", r.ok() ? Json(nullptr) : ErrorJson(kExitCheckFailed, failure)}});
  } else {
    std::cout << "Database '" << r.database << "' at version " << VersionText(r.state.version);
    if (r.plan.has_value() && r.plan->target != r.state.version) std::cout << ", pending path to " << target;
    std::cout << ":\n";
    PrintCheckLines(std::cout, r.checks);
    PrintDriftDetails(std::cout, r.checks);
    std::cout << '\n' << CheckCountText(r.checks) << ".\n";
  }
  if (!r.ok()) {
    std::fflush(stdout);
    std::cerr << "chimp: " << failure << '\n';
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterCheck(CLI::App* app) {
  auto to = std::make_shared<std::string>();
  app->add_option("--to", *to, "Target version of the pending path (Default: the newest reachable)")
      ->type_name("VERSION")
      ->check(NonEmptyVersion());
  return [to](const Context& ctx) { return RunCheck(ctx, *to); };
}

}  // namespace chimp::cli
