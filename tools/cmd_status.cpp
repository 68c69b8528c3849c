// chimp status: where the target database stands and what is pending.
#include <cmath>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"

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

// Seconds from `from` to `to`, both "YYYY-MM-DD hh:mm:ss[.ffffff]" on the
// server's clock; nullopt when either does not read as that.
std::optional<double> SecondsBetween(const std::string& from, const std::string& to) {
  auto parse = [](const std::string& text) -> std::optional<double> {
    std::tm tm{};
    double fraction = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
      return std::nullopt;
    }
    if (static_cast<size_t>(consumed) < text.size() && text[static_cast<size_t>(consumed)] == '.') {
      fraction = std::atof(text.c_str() + consumed);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<double>(timegm(&tm)) + fraction;
  };
  const auto a = parse(from);
  const auto b = parse(to);
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

// The step of the live run whose row says `running`, if any.
const ChangelogEntry* RunningStep(const StatusReport& r) {
  if (!r.running) return nullptr;
  for (const ChangelogEntry& e : r.failed) {
    if (e.status == StepStatus::kRunning && e.run_id == r.running->run_id) return &e;
  }
  return nullptr;
}

// What `status` says of the running step's progress: done of total, its
// rate and the time left at that rate (from the step's start to the last
// report written), when known.
struct RunningProgress {
  bool known = false;
  int64_t done = 0;
  int64_t total = 0;  // 0: unknown
  std::optional<double> rate_per_s;
  std::optional<double> eta_s;
};

RunningProgress ProgressOf(const ChangelogEntry& e) {
  RunningProgress p;
  if (e.progress_done < 0 || e.progress_at.empty()) return p;
  p.known = true;
  p.done = e.progress_done;
  p.total = std::max<int64_t>(e.progress_total, 0);
  const auto took = SecondsBetween(e.started_at, e.progress_at);
  if (took && *took > 0.5 && p.done > 0) {
    p.rate_per_s = static_cast<double>(p.done) / *took;
    if (p.total >= p.done) {
      // Time left as of the report (the text prints when that was).
      p.eta_s = static_cast<double>(p.total - p.done) / *p.rate_per_s;
    }
  }
  return p;
}

std::string SecondsText(double s) {
  char buf[32];
  if (s < 10) {
    std::snprintf(buf, sizeof(buf), "%.1f s", s);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f s", std::round(s));
  }
  return buf;
}

Json RunningToJson(const StatusReport& r, const ChangelogEntry* step) {
  const RunningRun& run = *r.running;
  Json server = nullptr;
  if (run.session_visible) {
    server = {{"connection", run.work_connection},
              {"command", run.command},
              {"state", run.state},
              {"seconds", run.seconds},
              {"query", run.query}};
  }
  Json doc = {{"run_id", run.run_id}, {"host", run.host},           {"pid", run.pid},
              {"server", server},     {"step_id", nullptr},         {"kind", nullptr},
              {"edge_from", nullptr}, {"edge_to", nullptr},         {"started_at", nullptr},
              {"elapsed_s", nullptr}, {"statement_index", nullptr}, {"statement_count", nullptr},
              {"progress", nullptr}};
  if (step == nullptr) return doc;
  const ChangelogEntry& e = *step;
  const RunningProgress p = ProgressOf(e);
  if (p.known) {
    doc["progress"] = {{"done", p.done},
                       {"total", p.total > 0 ? Json(p.total) : Json(nullptr)},
                       {"at", e.progress_at},
                       {"rate_per_s", p.rate_per_s ? Json(*p.rate_per_s) : Json(nullptr)},
                       {"eta_s", p.eta_s ? Json(*p.eta_s) : Json(nullptr)}};
  }
  const auto elapsed = SecondsBetween(e.started_at, run.server_now);
  doc["step_id"] = e.step_id;
  doc["kind"] = StepKindName(e.kind);
  doc["edge_from"] = e.edge_from;
  doc["edge_to"] = e.edge_to;
  doc["started_at"] = e.started_at;
  doc["elapsed_s"] = elapsed ? Json(*elapsed) : Json(nullptr);
  doc["statement_index"] = e.statement_index;
  doc["statement_count"] = e.statement_count;
  return doc;
}

// "  progress:       2/4 (50 %), 0.9/s, ETA 2.3 s, reported ...": the
// step's last progress written, or its statements recorded done; "" when
// neither is known.
std::string ProgressLine(const ChangelogEntry& e) {
  const RunningProgress p = ProgressOf(e);
  if (!p.known) {
    if (e.kind != StepKind::kSql || e.statement_count <= 0) return "";
    return "  progress:       statement " + std::to_string(e.statement_index) + "/" +
           std::to_string(e.statement_count) + " recorded\n";
  }
  std::string line =
      "  progress:       " + std::to_string(p.done) + "/" + (p.total > 0 ? std::to_string(p.total) : std::string("?"));
  if (p.total > 0) line += " (" + std::to_string(p.done * 100 / p.total) + " %)";
  if (p.rate_per_s) {
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.1f/s", *p.rate_per_s);
    line += std::string(", ") + rate;
  }
  if (p.eta_s) line += ", ETA " + SecondsText(*p.eta_s);
  return line + ", reported " + e.progress_at.substr(0, 19) + "\n";
}

// The Running section: the live run, its running step when its row is
// there (`step` null: none yet) and what the server says its session does.
void PrintRunning(std::ostream& out, const StatusReport& r, const ChangelogEntry* step) {
  const RunningRun& run = *r.running;
  out << "Running:          ";
  if (step != nullptr) {
    out << "step '" << step->step_id << "' (" << StepKindName(step->kind) << ", "
        << EdgeText(step->edge_from, step->edge_to) << ") since " << step->started_at.substr(0, 19);
    if (const auto elapsed = SecondsBetween(step->started_at, run.server_now); elapsed && *elapsed >= 0) {
      out << " (" << SecondsText(*elapsed) << ")";
    }
    out << ", ";
  }
  out << "run " << (step != nullptr ? step->run_id : run.run_id).substr(0, 8);
  if (run.pid > 0 || !run.host.empty()) {
    out << ", pid " << (run.pid > 0 ? std::to_string(run.pid) : std::string("?")) << " on host "
        << (run.host.empty() ? std::string("?") : run.host);
  }
  if (step == nullptr) out << " (no step row running: a step without DDL writes its row when it commits)";
  out << '\n';
  if (step != nullptr) out << ProgressLine(*step);
  if (run.session_visible) {
    out << "  server:         connection " << run.work_connection << ", " << run.command << " for " << run.seconds
        << " s" << (run.state.empty() ? "" : ", state '" + run.state + "'")
        << (run.query.empty() ? std::string() : ": " + FirstLine(run.query, 200)) << '\n';
  } else if (run.work_connection != 0) {
    out << "  server:         connection " << run.work_connection
        << " (not visible: needs the PROCESS privilege, or it is gone)\n";
  }
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
  if (ctx.fleet()) {
    return RunFleet(ctx, {"status", *format == "json"}, [](const EngineOptions& target) {
      Result<StatusReport> r = GetStatus(target);
      if (!r.ok()) return FleetFailure(r.status());
      FleetOutcome o;
      o.known = true;
      o.from = r->state.version.ToString();
      o.to = r->pending ? r->pending->target.ToString() : r->newest.ToString();
      o.steps = r->pending ? static_cast<int64_t>(r->pending->steps.size()) : 0;
      std::tie(o.exit_code, o.message) = Verdict(*r);
      return o;
    });
  }
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
    doc["running"] = r.running ? RunningToJson(r, RunningStep(r)) : Json(nullptr);
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
  if (r.running) PrintRunning(out, r, RunningStep(r));
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
