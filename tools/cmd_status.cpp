// chimp status: where the target database stands and what is pending.
#include <iostream>
#include <string>
#include <utility>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

constexpr size_t kListHead = 5;

std::vector<std::vector<std::string>> FailedRows(const std::vector<ChangelogEntry>& failed, bool run_in_progress) {
  std::vector<std::vector<std::string>> rows;
  for (const ChangelogEntry& e : failed) {
    std::string status = StepStatusName(e.status);
    if (e.status == StepStatus::kRunning && !run_in_progress) status += " (its run is gone)";
    rows.push_back(
        {e.step_id, EdgeText(e.edge_from, e.edge_to), status, e.started_at.substr(0, 19),
         std::to_string(e.statement_index) + "/" + (e.statement_count > 0 ? std::to_string(e.statement_count) : "?"),
         FirstLine(e.error)});
  }
  return rows;
}

// Why the target is not at a plannable state, and the exit code that says
// so (0 and "" when it is): a plan that cannot be made (its code: 9 for a
// checksum mismatch, 4 for no path), else a step whose last attempt failed
// or was left running by a run that died (8), else drift: the live schema
// differs from the one recorded after the last edge (11, as check). A step
// a live run is executing right now is no reason.
std::pair<int, std::string> Verdict(const StatusReport& r) {
  if (!r.plan_error.empty()) return {ExitCodeFor(r.plan_error_code), "cannot plan: " + FirstLine(r.plan_error, 200)};
  for (const ChangelogEntry& e : r.failed) {
    if (e.status == StepStatus::kFailed) {
      return {kExitStepFailed, "step '" + e.step_id + "' failed (run " + e.run_id.substr(0, 8) +
                                   "); fix the cause and run chimp migrate, or chimp repair"};
    }
    if (e.status == StepStatus::kRunning && !r.run_in_progress) {
      return {kExitStepFailed, "step '" + e.step_id + "' was left running by run " + e.run_id.substr(0, 8) +
                                   ", which no longer holds the migration lock; chimp migrate resumes it"};
    }
  }
  for (const CheckResult& d : r.drift) {
    if (!d.passed) {
      return {kExitCheckFailed, "drift: " + FirstLine(d.message, 300) +
                                    " (chimp check names every difference; migrate refuses until it is undone or "
                                    "--accept-drift)"};
    }
  }
  return {kExitOk, ""};
}

int RunStatus(const Context& ctx) {
  Result<std::string> format = ChooseFormat(ctx, "status", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<StatusReport> result = GetStatus(ctx.options);
  if (!result.ok()) return Fail(result.status());
  const StatusReport& r = *result;

  const size_t pending_count = r.pending ? r.pending->steps.size() : 0;
  const Plan* plan = r.pending ? &*r.pending : nullptr;
  const bool has_plugins = !ctx.options.plugin_dirs.empty();
  const auto [exit_code, why] = Verdict(r);

  if (*format == "json") {
    Json doc = {
        {"database", r.database},
        {"changelog_schema", r.changelog_schema},
        {"initialized", r.state.initialized},
        {"current_version", r.state.version.ToString()},
        {"updated_at", r.state.updated_at},
        {"run_id", r.state.run_id},
        {"newest_version", has_plugins ? Json(r.newest.ToString()) : Json(nullptr)},
        {"up_to_date", r.pending ? Json(r.pending->empty()) : Json(nullptr)},
        {"target_version", r.pending ? Json(r.pending->target.ToString()) : Json(nullptr)},
        {"pending_steps", pending_count},
        {"pending_cleanup", r.pending_cleanup},
        {"plan_error", r.plan_error},
    };
    Json steps = Json::array();
    if (plan) {
      for (const PlannedStep& ps : plan->steps) steps.push_back(PlannedStepToJson(ps, false));
    }
    doc["pending"] = steps;
    Json failed = Json::array();
    for (const ChangelogEntry& e : r.failed) failed.push_back(EntryToJson(e));
    doc["failed"] = failed;
    doc["last_backup"] = r.last_backup ? BackupToJson(*r.last_backup) : Json(nullptr);
    doc["run_in_progress"] = r.run_in_progress;
    doc["drift"] = CheckResultsToJson(r.drift);
    doc["plannable"] = exit_code == kExitOk;
    doc["exit_code"] = exit_code;
    PrintJson(doc);
    return exit_code;
  }

  std::ostream& out = std::cout;
  out << "Database:         " << r.database << '\n';
  out << "Changelog:        schema '" << r.changelog_schema << "'"
      << (r.state.initialized ? "" : " (not initialized yet: chimp init or chimp migrate creates it)") << '\n';
  out << "Current version:  " << VersionText(r.state.version);
  if (!r.state.updated_at.empty()) {
    out << " (since " << r.state.updated_at.substr(0, 19);
    if (!r.state.run_id.empty()) out << ", run " << r.state.run_id.substr(0, 8);
    out << ")";
  }
  out << '\n';
  if (!has_plugins) {
    out << "Newest version:   unknown (no plugin directory: --plugins DIR or [plugins] paths)\n";
  } else {
    out << "Newest version:   " << VersionText(r.newest) << '\n';
  }
  if (!r.plan_error.empty()) {
    out << "Pending:          cannot plan: " << r.plan_error << '\n';
  } else if (r.pending) {
    if (r.pending->empty()) {
      out << "Pending:          none, up to date\n";
    } else {
      out << "Pending:          " << pending_count << (pending_count == 1 ? " step" : " steps") << " to "
          << VersionText(r.pending->target) << '\n';
      if (plan) {
        PrintTable(out, PlanStepHeader(), PlanStepRows(*plan, kListHead), 2);
        if (plan->steps.size() > kListHead) {
          out << "  ... " << plan->steps.size() - kListHead << " more (chimp plan lists them all)\n";
        }
      }
    }
  }
  if (has_plugins) {
    out << "Pending cleanup:  " << r.pending_cleanup << (r.pending_cleanup == 1 ? " step" : " steps")
        << (r.pending_cleanup > 0 ? " (chimp migrate --phase cleanup, once every server runs the new code)" : "")
        << '\n';
  }
  out << "Failed/running:   " << (r.failed.empty() ? "none" : std::to_string(r.failed.size())) << '\n';
  if (!r.failed.empty()) {
    PrintTable(out, {"STEP", "EDGE", "STATUS", "STARTED", "STATEMENTS", "ERROR"},
               FailedRows(r.failed, r.run_in_progress), 2);
  }
  if (!r.drift.empty()) {
    size_t drifted = 0;
    for (const CheckResult& d : r.drift) drifted += d.passed ? 0 : 1;
    out << "Drift:            "
        << (drifted == 0 ? "none (" + std::to_string(r.drift.size()) + (r.drift.size() == 1 ? " schema" : " schemas") +
                               " as recorded)"
                         : std::to_string(drifted) + (drifted == 1 ? " schema differs" : " schemas differ") +
                               " from the one recorded")
        << '\n';
    PrintDriftDetails(out, r.drift);
  }
  if (r.last_backup) {
    const BackupRecord& b = *r.last_backup;
    out << "Last backup:      " << b.started_at.substr(0, 19) << " run " << b.run_id.substr(0, 8) << ", " << b.status
        << ": ";
    if (b.status != "success") {
      out << FirstLine(b.error, 100) << '\n';
    } else if (b.file.empty()) {
      out << FirstLine(b.error, 100) << '\n';
    } else {
      out << b.file << " (" << b.size_bytes << " bytes" << BinlogText(b) << ")\n";
    }
  }
  if (exit_code != kExitOk) {
    out << std::flush;
    std::cerr << "chimp: status: not at a plannable state: " << why << '\n';
  }
  return exit_code;
}

}  // namespace

CommandRun RegisterStatus(CLI::App* /*app*/) { return RunStatus; }

}  // namespace chimp::cli
