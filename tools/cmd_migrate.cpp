// chimp migrate: plans, takes the lock, runs the pending steps and reports
// each as it finishes. --dry-run is `plan`.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

// Prints one line per step as it runs (text) or collects the steps (json).
// Called on the executing thread; never throws into the executor.
class Progress : public ExecutionObserver {
 public:
  Progress(const std::string& database, bool json, bool verbose, bool quiet)
      : database_(database), json_(json), verbose_(verbose), quiet_(quiet) {}

  // The plan made under the lock: what really runs.
  void OnPlan(const Plan& plan, const std::string& run_id) override {
    try {
      planned_ = plan.steps.size();
      run_id_ = run_id;
      plan_json_ = PlanToJson(plan, false);
      from_ = plan.current.ToString();
      empty_ = plan.empty();
      if (json_) return;
      if (!quiet_ || empty_) PrintPlan(std::cout, database_, plan, false);
      if (empty_) return;
      if (!quiet_) std::cout << '\n';
      std::cout << "Migrating:\n" << std::flush;
    } catch (...) {
    }
  }

  // Before the first write: what the pre-flight checks of the path found.
  void OnPreflight(const std::vector<CheckResult>& results) override {
    try {
      preflight_json_ = CheckResultsToJson(results);
      if (json_ || (quiet_ && AllPassed(results))) return;
      std::cout << "Pre-flight checks, against the database as it is (" << CheckCountText(results) << "):\n";
      PrintCheckLines(std::cout, results, 2);
      std::cout << '\n' << std::flush;
    } catch (...) {
    }
  }

  void OnStepStart(const PlannedStep& ps, int32_t statement_count) override {
    try {
      ++index_;
      statement_count_ = statement_count;
      if (json_) return;
      std::cout << "  " << Counter() << ' ' << StepEdgeText(ps) << "  " << ps.step->id << " ("
                << StepKindName(ps.step->kind) << (ps.step->has_ddl ? ", DDL" : "");
      if (ps.preflight_passed) std::cout << ", passed in pre-flight";
      if (ps.resume_from > 0) std::cout << ", resuming at statement " << ps.resume_from + 1;
      std::cout << ") ... " << std::flush;
      line_open_ = true;
    } catch (...) {
    }
  }

  void OnStatement(const PlannedStep& /*ps*/, int32_t index, const std::string& sql) override {
    try {
      if (json_ || !verbose_) return;
      if (line_open_) std::cout << '\n';
      line_open_ = false;
      std::cout << "      statement " << index + 1;
      if (statement_count_ > 0) std::cout << '/' << statement_count_;
      std::cout << ": " << FirstLine(sql, 100) << '\n' << std::flush;
    } catch (...) {
    }
  }

  void OnStepDone(const PlannedStep& ps, const Status& result, int64_t duration_ms, int32_t warning_count) override {
    try {
      if (json_) {
        steps_.push_back({{"step_id", ps.step->id},
                          {"edge_from", ps.edge->from.ToString()},
                          {"edge_to", ps.edge->to.ToString()},
                          {"kind", StepKindName(ps.step->kind)},
                          {"phase", PhaseName(ps.step->phase)},
                          {"status", result.ok() ? "success" : "failed"},
                          {"duration_ms", duration_ms},
                          {"warning_count", warning_count},
                          {"error", result.ok() ? "" : result.message()}});
        return;
      }
      if (!line_open_) std::cout << "  " << Counter() << ' ' << ps.step->id << ": ";
      line_open_ = false;
      std::cout << (result.ok() ? "ok, " : "FAILED after ") << DurationText(duration_ms);
      if (warning_count > 0) {
        std::cout << " (" << warning_count << (warning_count == 1 ? " warning" : " warnings") << ")";
      }
      std::cout << '\n' << std::flush;
    } catch (...) {
    }
  }

  void OnVersion(const Version& version) override {
    try {
      if (json_) {
        versions_.push_back(version.ToString());
        return;
      }
      if (line_open_) std::cout << '\n';
      line_open_ = false;
      std::cout << "  version " << VersionText(version) << " reached\n" << std::flush;
    } catch (...) {
    }
  }

  // Ends a line left open by a step that never reported its end.
  void Close() {
    if (line_open_) std::cout << '\n';
    line_open_ = false;
  }

  const Json& steps() const { return steps_; }
  const Json& versions() const { return versions_; }
  const Json& plan_json() const { return plan_json_; }
  const Json& preflight_json() const { return preflight_json_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& from() const { return from_; }
  bool empty() const { return empty_; }

 private:
  std::string Counter() const {
    std::string c = "[" + std::to_string(index_);
    if (index_ <= planned_) c += "/" + std::to_string(planned_);
    return c + "]";
  }

  const std::string database_;
  const bool json_;
  const bool verbose_;
  const bool quiet_;
  size_t planned_ = 0;
  std::string run_id_;
  std::string from_;
  bool empty_ = true;
  Json plan_json_ = nullptr;
  Json preflight_json_ = Json::array();
  size_t index_ = 0;
  int32_t statement_count_ = 0;
  bool line_open_ = false;
  Json steps_ = Json::array();
  Json versions_ = Json::array();
};

int RunMigrate(const Context& ctx, const std::string& to, const std::string& phase, const std::string& backup_dir) {
  Result<std::string> format = ChooseFormat(ctx, "migrate", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  const bool json = *format == "json";
  Result<PlanRequest> request = MakePlanRequest(to, phase);
  if (!request.ok()) return Fail(request.status());

  Progress progress(ctx.options.database, json, ctx.verbose, ctx.quiet);
  const std::string database = ctx.options.database;
  const int64_t lock_timeout = ctx.options.lock_timeout.count();
  auto on_wait = [database, lock_timeout](const LockHolder& holder) {
    try {
      std::fflush(stdout);
      std::cerr << "chimp: waiting up to " << lock_timeout << " s for the migration lock of '" << database
                << "', held by " << holder.ToString() << '\n';
    } catch (...) {
    }
  };
  EngineOptions options = ctx.options;
  options.backup_dir = backup_dir;
  Json backup_json = nullptr;
  auto on_backup = [json, &backup_json](const BackupRecord& b) {
    try {
      backup_json = BackupToJson(b);
      if (json) return;
      if (b.file.empty()) {
        std::cout << "Backup: " << b.error << " (recorded for run " << b.run_id.substr(0, 8) << ")\n";
      } else {
        std::cout << "Backup: " << b.file << " (" << b.size_bytes << " bytes" << BinlogText(b) << ")\n";
      }
      std::cout << std::flush;
    } catch (...) {
    }
  };
  const auto started = std::chrono::steady_clock::now();
  Result<MigrateReport> result = Migrate(options, *request, &progress, on_wait, on_backup);
  const int64_t elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  progress.Close();

  if (json) {
    Json doc = {{"database", ctx.options.database},
                {"dry_run", false},
                {"from_version", progress.from()},
                {"plan", progress.plan_json()},
                {"preflight", progress.preflight_json()}};
    doc["steps"] = progress.steps();
    doc["versions_reached"] = progress.versions();
    doc["duration_ms"] = elapsed_ms;
    doc["backup"] = backup_json;
    if (result.ok()) {
      doc.update({{"ok", true},
                  {"run_id", result->summary.run_id},
                  {"steps_run", result->summary.steps_run},
                  {"reached_version", result->summary.reached.ToString()},
                  {"error", nullptr}});
    } else {
      doc.update({{"ok", false},
                  {"run_id", progress.run_id()},
                  {"steps_run", progress.steps().size()},
                  {"reached_version", nullptr},
                  {"error", ErrorToJson(result.status())}});
    }
    PrintJson(doc);
  }
  if (!result.ok()) {
    int code = Fail(result.status());
    if (result.status().code() == StatusCode::kBackupFailed) {
      std::cerr << "chimp: the failed attempt is recorded in chimp_backups; fix the cause (disk, privileges, "
                   "the dump program) and run migrate --backup again\n";
    }
    const bool before_any_write = progress.run_id().empty();  // OnPlan comes after the pre-flight checks
    if (result.status().code() == StatusCode::kStepFailed ||
        (result.status().code() == StatusCode::kCheckFailed && !before_any_write)) {
      std::cerr << "chimp: the changelog records the failed attempt (chimp log); "
                   "after fixing the cause, chimp migrate resumes from there\n";
    }
    return code;
  }
  if (!json && !progress.empty()) {
    const ExecutionSummary& s = result->summary;
    std::cout << "\nDone: database '" << database << "' ";
    if (request->phase == Phase::kCleanup) {
      std::cout << "at version " << VersionText(s.reached) << ": " << s.steps_run
                << (s.steps_run == 1 ? " cleanup step" : " cleanup steps");
    } else {
      std::cout << "migrated from " << VersionText(result->plan.current) << " to " << VersionText(s.reached) << ": "
                << s.steps_run << (s.steps_run == 1 ? " step" : " steps");
    }
    std::cout << " in " << DurationText(elapsed_ms) << " (run " << s.run_id << ").\n";
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterMigrate(CLI::App* app) {
  struct Options {
    std::string to;
    std::string phase = "expand";
    bool dry_run = false;
    std::string backup;
  };
  auto opts = std::make_shared<Options>();
  app->add_option("--to", opts->to, "Target version (Default: the newest reachable)")
      ->type_name("VERSION")
      ->check(NonEmptyVersion());
  app->add_option("--phase", opts->phase,
                  "expand (Default) or cleanup (run the cleanup steps once every server runs the new code)")
      ->type_name("PHASE")
      ->check(CLI::IsMember({"expand", "cleanup"}));
  app->add_flag("--dry-run", opts->dry_run, "Only print the plan (the same as chimp plan)");
  app->add_option("--backup", opts->backup,
                  "Before the first step, dump the target database into DIR (mariadb-dump "
                  "--single-transaction --routines --triggers --events) and record the file and the "
                  "binlog/GTID position; a failed dump stops the run (exit 10)")
      ->type_name("DIR");
  return [opts](const Context& ctx) {
    if (opts->dry_run) return RunPlan(ctx, opts->to, opts->phase, "migrate --dry-run");
    return RunMigrate(ctx, opts->to, opts->phase, opts->backup);
  };
}

}  // namespace chimp::cli
