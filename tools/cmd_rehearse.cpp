// chimp rehearse: the pending plan on a throwaway server loaded with a copy
// of the real database(s); prints what happened there (text, or one JSON
// document, doc/json.md) and exits 0 when it passed, else the code of the
// run's failure on the copy. Writes nothing to the real server. Shared with
// migrate --rehearse (RunRehearsal).
#include <cstdio>
#include <iostream>

#include "chimp/interrupt.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "json_errors.hpp"

namespace chimp::cli {
namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Json StepToJson(const RehearsedStep& s) {
  return {{"step_id", s.step_id},
          {"edge", s.edge},
          {"plugin", s.plugin},
          {"ok", s.result.ok()},
          {"duration_ms", s.duration_ms},
          {"warning_count", s.warning_count},
          {"warnings", s.warnings},
          {"statement_index", s.statement >= 0 ? Json(s.statement) : Json(nullptr)},
          {"statement", s.statement >= 0 ? Json(s.statement_sql) : Json(nullptr)},
          {"error", s.result.ok() ? Json(nullptr) : Json(s.result.message())}};
}

// The estimate with no more digits than it has (two): "57 s", not "57.0 s".
std::string EstimateText(int64_t ms) {
  if (ms >= 10000 && ms < 60000) return std::to_string(ms / 1000) + " s";
  return DurationText(ms);
}

void PrintText(const RehearsalReport& r, bool verbose) {
  std::cout << "Rehearsal of database '" << r.database << "' (changelog schema '" << r.changelog_schema << "')";
  if (r.steps.empty() && r.from == r.target) {
    std::cout << ": at version " << VersionText(r.from) << ", nothing to rehearse.\n";
    return;
  }
  std::cout << ", " << EdgeText(r.from, r.target) << ", on a throwaway server:\n";
  std::cout << "  real server:       " << r.real_server << '\n';
  std::cout << "  rehearsal server:  " << r.rehearsal_server << '\n';
  std::cout << "  copied:            " << (r.schemas.empty() ? "nothing (no schema exists yet)" : Joined(r.schemas))
            << (r.lock_taken ? " (the migration lock held while copying)" : "") << '\n';
  if (verbose) std::cout << "  settings copied:   " << Joined(r.settings) << '\n';
  if (!r.preflight.empty()) {
    std::cout << "\nPre-flight checks (on the copy):\n";
    PrintCheckLines(std::cout, r.preflight, 2);
  }
  if (!r.steps.empty()) {
    std::cout << "\nSteps:\n";
    std::vector<std::vector<std::string>> rows;
    for (const RehearsedStep& s : r.steps) {
      rows.push_back({s.result.ok() ? "ok" : "FAILED", s.edge, s.step_id, DurationText(s.duration_ms),
                      s.warning_count == 0 ? "" : std::to_string(s.warning_count) + " warnings"});
    }
    PrintTable(std::cout, {"RESULT", "EDGE", "STEP", "TIME", "WARNINGS"}, rows, 2);
    for (const RehearsedStep& s : r.steps) {
      for (const std::string& w : s.warnings) std::cout << "  warning: " << s.step_id << ": " << w << '\n';
      if (s.result.ok()) continue;
      std::cout << "  failed: " << s.step_id;
      if (s.statement >= 0) std::cout << ", statement " << (s.statement + 1) << ": " << s.statement_sql;
      std::cout << "\n    " << FirstLine(s.result.message(), 400) << '\n';
    }
  }
  std::cout << "\nVersion reached on the copy: " << VersionText(r.reached) << " (planned " << VersionText(r.target)
            << ")\n";
  std::cout << "Fingerprint reached: " << (r.fingerprint.empty() ? "(not read)" : r.fingerprint) << '\n';
  std::cout << "Time: " << DurationText(r.total_ms) << " (server start " << DurationText(r.server_ms) << ", copy "
            << DurationText(r.copy_ms) << ", run " << DurationText(r.apply_ms)
            << "); estimate on the real server: about " << EstimateText(r.estimate_ms)
            << " of steps (the copy's step time; doc/operations.md)\n";
  for (const std::string& w : r.fidelity_warnings) std::cout << "Warning: " << w << '\n';
  std::cout << '\n'
            << (r.passed() ? "Rehearsal passed" : "Rehearsal FAILED") << "; the real database was not changed.\n";
}

}  // namespace

Json RehearsalToJson(const RehearsalReport& r, int exit_code) {
  Json steps = Json::array();
  for (const RehearsedStep& s : r.steps) steps.push_back(StepToJson(s));
  Json error = r.passed() ? Json(nullptr) : ErrorToJson(r.result);
  if (!r.passed()) error["exit_code"] = exit_code;
  return {{"database", r.database},
          {"changelog_schema", r.changelog_schema},
          {"passed", r.passed()},
          {"exit_code", exit_code},
          {"from_version", r.from.ToString()},
          {"target_version", r.target.ToString()},
          {"reached_version", r.reached.ToString()},
          {"fingerprint", r.fingerprint.empty() ? Json(nullptr) : Json(r.fingerprint)},
          {"schemas", r.schemas},
          {"lock_taken", r.lock_taken},
          {"real_server", r.real_server},
          {"rehearsal_server", r.rehearsal_server},
          {"settings", r.settings},
          {"fidelity_warnings", r.fidelity_warnings},
          {"preflight", CheckResultsToJson(r.preflight)},
          {"steps", steps},
          {"server_start_ms", r.server_ms},
          {"copy_ms", r.copy_ms},
          {"run_ms", r.apply_ms},
          {"duration_ms", r.total_ms},
          {"estimate_ms", r.estimate_ms},
          {"error", error}};
}

int RunRehearsal(const Context& ctx, const EngineOptions& options, const PlanRequest& request, bool json,
                 bool as_event) {
  Result<RehearsalReport> result = Rehearse(options, request);
  if (!result.ok()) {
    if (InterruptSignal() != 0) {
      (void)Fail(result.status());
      return kExitInterrupted;
    }
    return Fail(result.status());
  }
  const RehearsalReport& r = *result;
  const int code = r.passed() ? kExitOk : InterruptSignal() != 0 ? kExitInterrupted : ExitCodeFor(r.result.code());
  if (json) {
    Json doc = RehearsalToJson(r, code);
    if (as_event) {
      std::cout
          << Json({{"event", "rehearsal"}, {"rehearsal", doc}}).dump(-1, ' ', false, Json::error_handler_t::replace)
          << std::endl;
    } else {
      PrintJson(doc);
    }
    NoteJsonPrinted();
  } else if (!ctx.quiet || !r.passed()) {
    PrintText(r, ctx.verbose);
  }
  if (!r.passed()) {
    std::fflush(stdout);
    std::cerr << "chimp: rehearsal failed: " << FirstLine(r.result.message(), 1000) << '\n';
  }
  return code;
}

void AddRehearsalOptions(CLI::App* app, RehearsalFlags* flags) {
  app->add_option("--server-bin-dir", flags->server_bin_dir,
                  "Where mariadbd and mariadb-install-db are for the throwaway server (Default: $PATH, then "
                  "/usr/sbin; also [rehearse] server_bin_dir, CHIMP_SERVER_BIN_DIR)")
      ->type_name("DIR");
  app->add_option("--copy-schema", flags->copy_schemas,
                  "Copy this schema too (repeatable): for native steps that write a schema the plan's SQL does "
                  "not name")
      ->type_name("SCHEMA");
}

void ApplyRehearsalFlags(const RehearsalFlags& flags, EngineOptions* options) {
  if (!flags.server_bin_dir.empty()) options->server_bin_dir = flags.server_bin_dir;
  options->rehearse_schemas.insert(options->rehearse_schemas.end(), flags.copy_schemas.begin(),
                                   flags.copy_schemas.end());
}

CommandRun RegisterRehearse(CLI::App* app) {
  struct Options {
    std::string to;
    std::string phase = "expand";
    RehearsalFlags rehearsal;
  };
  auto opts = std::make_shared<Options>();
  AddTargetOptions(app, &opts->to, &opts->phase);
  AddRehearsalOptions(app, &opts->rehearsal);
  return [opts](const Context& ctx) {
    Result<std::string> format = ChooseFormat(ctx, "rehearse", {"text", "json"});
    if (!format.ok()) return Fail(format.status());
    Result<PlanRequest> request = MakePlanRequest(opts->to, opts->phase);
    if (!request.ok()) return Fail(request.status());
    EngineOptions options = ctx.options;
    ApplyRehearsalFlags(opts->rehearsal, &options);
    return RunRehearsal(ctx, options, *request, *format == "json", false);
  };
}

}  // namespace chimp::cli
