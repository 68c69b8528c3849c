// chimp migrate: plans, takes the lock, runs the pending steps and reports
// each as it finishes, with a live progress line (live_progress.hpp) or, with
// --format json, a stream of events (doc/json.md). --dry-run is `plan`.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>

#include "chimp/interrupt.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"
#include "json_errors.hpp"
#include "live_progress.hpp"
#include "log.hpp"

namespace chimp::cli {
namespace {

// Prints one line per step as it runs and hands progress to the live line
// (text), or streams one JSON event per line (json, doc/json.md). Called
// on the executing thread, except OnActivity and OnBackupProgress (their
// own threads): every write goes through live_'s lock. Never throws into
// the executor.
class Progress : public ExecutionObserver {
 public:
  struct Settings {
    std::string database;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
    ProgressMode mode = ProgressMode::kOff;
    std::chrono::milliseconds interval{2000};
    bool same_terminal = false;
  };

  explicit Progress(const Settings& s)
      : s_(s),
        live_(s.json && s.mode == ProgressMode::kPlain ? ProgressMode::kOff : s.mode, s.interval,
              s.same_terminal && !s.json) {
    if (s_.json) live_.OnTick([this](const Meter& m) { EmitProgress(m); });
  }

  // The plan made under the lock: what really runs.
  void OnPlan(const Plan& plan, const std::string& run_id) override {
    try {
      planned_ = plan.steps.size();
      run_id_ = run_id;
      from_ = plan.current.ToString();
      empty_ = plan.empty();
      if (s_.json) {
        Emit({{"event", "run_started"},
              {"database", s_.database},
              {"run_id", run_id},
              {"from_version", from_},
              {"target_version", plan.target.ToString()},
              {"phase", PhaseName(plan.phase)},
              {"steps_planned", planned_},
              {"plan", PlanToJson(plan, false)}});
        return;
      }
      live_.Print(
          [&] {
            if (!s_.quiet || empty_) PrintPlan(std::cout, s_.database, plan, false);
            if (empty_) return;
            if (!s_.quiet) std::cout << '\n';
            std::cout << "Migrating:\n";
          },
          "");
    } catch (...) {
    }
  }

  // Before the first write: what the pre-flight checks of the path found.
  void OnPreflight(const std::vector<CheckResult>& results) override {
    try {
      if (s_.json) {
        Emit({{"event", "preflight"}, {"ok", AllPassed(results)}, {"checks", CheckResultsToJson(results)}});
        return;
      }
      if (s_.quiet && AllPassed(results)) return;
      live_.Print(
          [&] {
            std::cout << "Pre-flight checks, against the database as it is (" << CheckCountText(results) << "):\n";
            PrintCheckLines(std::cout, results, 2);
            std::cout << '\n' << std::flush;
          },
          "");
    } catch (...) {
    }
  }

  void OnStepStart(const PlannedStep& ps, int32_t statement_count) override {
    try {
      ++index_;
      statement_count_ = statement_count;
      if (s_.json) {
        Emit({{"event", "step_started"},
              {"index", index_},
              {"steps_planned", planned_},
              {"step_id", ps.step->id},
              {"edge_from", ps.edge->from.ToString()},
              {"edge_to", ps.edge->to.ToString()},
              {"kind", StepKindName(ps.step->kind)},
              {"phase", PhaseName(ps.step->phase)},
              {"ddl", ps.step->has_ddl},
              {"statement_count", statement_count},
              {"resume_from", ps.resume_from},
              {"preflight_passed", ps.preflight_passed}});
      } else {
        std::string line = "  " + Counter() + ' ' + StepEdgeText(ps) + "  " + ps.step->id + " (" +
                           StepKindName(ps.step->kind) + (ps.step->has_ddl ? ", DDL" : "") +
                           (ps.step->online ? ", online" : "");
        if (ps.preflight_passed) line += ", passed in pre-flight";
        if (ps.resume_from > 0) line += ", resuming at statement " + std::to_string(ps.resume_from + 1);
        line += ") ... ";
        live_.Print([&] { std::cout << line; }, line);
        line_open_ = true;
      }
      const bool native = ps.step->kind != StepKind::kSql;
      live_.Begin(Counter() + ' ' + ps.step->id, ps.step->id,
                  native            ? "units"
                  : ps.step->online ? "percent"
                                    : "statements");
    } catch (...) {
    }
  }

  void OnStatement(const PlannedStep& /*ps*/, int32_t index, const std::string& sql) override {
    try {
      if (s_.json || !s_.verbose) return;
      live_.Print(
          [&] {
            if (line_open_) std::cout << '\n';
            std::cout << "      statement " << index + 1;
            if (statement_count_ > 0) std::cout << '/' << statement_count_;
            std::cout << ": " << FirstLine(sql, 100) << '\n';
          },
          "");
      line_open_ = false;
    } catch (...) {
    }
  }

  void OnProgress(const PlannedStep& /*ps*/, const StepProgress& progress) override { live_.Report(progress); }
  void OnActivity(const StatementActivity& activity) override {
    live_.Report(activity);
    if (!activity.warning.empty() && s_.json) Warning(live_.StepId(), activity.warning);
  }
  void OnBackupProgress(const std::string& file, uint64_t bytes) override {
    try {
      if (!backup_started_) {
        backup_started_ = true;
        live_.Begin("backup", "", "bytes");
      }
      live_.ReportBytes(file, bytes);
    } catch (...) {
    }
  }
  void OnWarning(const PlannedStep& ps, const std::string& message) override {
    if (s_.json) Warning(ps.step->id, message);
  }

  void OnStepDone(const PlannedStep& ps, const Status& result, int64_t duration_ms, int32_t warning_count) override {
    try {
      live_.End();
      if (s_.json) {
        Emit({{"event", "step_finished"},
              {"index", index_},
              {"step_id", ps.step->id},
              {"edge_from", ps.edge->from.ToString()},
              {"edge_to", ps.edge->to.ToString()},
              {"kind", StepKindName(ps.step->kind)},
              {"phase", PhaseName(ps.step->phase)},
              {"status", result.ok() ? "success" : "failed"},
              {"duration_ms", duration_ms},
              {"warning_count", warning_count},
              {"error", result.ok() ? Json(nullptr) : Json(result.message())}});
        if (result.ok()) ++steps_ok_;
        return;
      }
      live_.Print(
          [&] {
            if (!line_open_) std::cout << "  " << Counter() << ' ' << ps.step->id << ": ";
            std::cout << (result.ok() ? "ok, " : "FAILED after ") << DurationText(duration_ms);
            if (warning_count > 0) {
              std::cout << " (" << warning_count << (warning_count == 1 ? " warning" : " warnings") << ")";
            }
            std::cout << '\n';
          },
          "");
      line_open_ = false;
    } catch (...) {
    }
  }

  void OnVersion(const Version& version) override {
    try {
      if (s_.json) {
        Emit({{"event", "version_reached"}, {"version", version.ToString()}});
        return;
      }
      live_.Print(
          [&] {
            if (line_open_) std::cout << '\n';
            std::cout << "  version " << VersionText(version) << " reached\n";
          },
          "");
      line_open_ = false;
    } catch (...) {
    }
  }

  // The backup finished (or failed): its line is erased.
  void BackupDone() {
    if (backup_started_) live_.End();
    backup_started_ = false;
  }

  // Ends a line left open by a step that never reported its end.
  void Close() {
    live_.End();
    live_.Print([&] { std::cout << (line_open_ ? "\n" : ""); }, "");
    line_open_ = false;
  }

  // One event (json): a line of its own.
  void Emit(const Json& event) {
    live_.Print([&] { std::cout << event.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n'; }, "");
  }
  void Warning(const std::string& step_id, const std::string& message) {
    Emit({{"event", "warning"}, {"step_id", step_id.empty() ? Json(nullptr) : Json(step_id)}, {"message", message}});
  }
  // Runs `print` with the live line out of the way.
  void Print(const std::function<void()>& print) { live_.Print(print, ""); }
  LiveProgress& live() { return live_; }

  const std::string& run_id() const { return run_id_; }
  const std::string& from() const { return from_; }
  bool empty() const { return empty_; }
  size_t steps_ok() const { return steps_ok_; }

 private:
  // Under live_'s lock (its tick).
  void EmitProgress(const Meter& m) {
    const auto now = std::chrono::steady_clock::now();
    Json event = {{"event", "progress"},
                  {"step_id", m.step_id.empty() ? Json(nullptr) : Json(m.step_id)},
                  {"unit", m.unit},
                  {"done", m.has_progress ? Json(m.progress.done) : Json(nullptr)},
                  {"total", m.has_progress && m.progress.total > 0 ? Json(m.progress.total) : Json(nullptr)},
                  {"elapsed_ms", m.ElapsedMs(now)},
                  {"rate_per_s", m.rate_per_s > 0 ? Json(std::round(m.rate_per_s * 100) / 100) : Json(nullptr)},
                  {"eta_ms", m.EtaMs().has_value() ? Json(*m.EtaMs()) : Json(nullptr)}};
    if (m.unit == "bytes") event["file"] = m.file;
    if (m.activity.has_value()) {
      event["server"] = {{"state", m.activity->state},
                         {"statement", m.activity->statement},
                         {"running_ms", m.activity->running_ms},
                         {"lock_wait", m.activity->lock_wait}};
    } else {
      event["server"] = nullptr;
    }
    std::cout << event.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n' << std::flush;
  }

  std::string Counter() const {
    std::string c = "[" + std::to_string(index_);
    if (index_ <= planned_) c += "/" + std::to_string(planned_);
    return c + "]";
  }

  const Settings s_;
  size_t planned_ = 0;
  std::string run_id_;
  std::string from_;
  bool empty_ = true;
  size_t index_ = 0;
  size_t steps_ok_ = 0;  // step_finished events with status success
  int32_t statement_count_ = 0;
  bool line_open_ = false;
  bool backup_started_ = false;
  LiveProgress live_;  // last: its ticker stops before the rest goes
};

// True when stdout and stderr are the same terminal: the live line then
// continues the step line stdout left open.
bool SameTerminal() {
  struct stat out {};
  struct stat err {};
  if (::isatty(1) != 1 || ::isatty(2) != 1) return false;
  if (::fstat(1, &out) != 0 || ::fstat(2, &err) != 0) return false;
  return out.st_rdev == err.st_rdev;
}

// How migrate shows progress: --progress, --progress-interval, -q.
struct ProgressFlags {
  std::string when = "auto";
  double interval_s = 2;
};

// What a fleet's job learns of its target's run: where it started and how
// many steps ended well, also when the run fails.
class FleetProgress : public ExecutionObserver {
 public:
  void OnPlan(const Plan& plan, const std::string& /*run_id*/) override {
    from_ = plan.current.ToString();
    planned_ = true;
  }
  void OnStepDone(const PlannedStep& /*ps*/, const Status& result, int64_t /*ms*/, int32_t /*warnings*/) override {
    if (result.ok()) ++steps_ok_;
  }
  void OnVersion(const Version& version) override { reached_ = version.ToString(); }
  bool planned_ = false;
  std::string from_;
  std::string reached_;
  int64_t steps_ok_ = 0;
};

// migrate over a fleet (fleet.hpp): one Migrate per target, no per-step
// lines; a lock wait is told on stderr with the target's name.
int RunMigrateFleet(const Context& ctx, const PlanRequest& request, const std::string& backup_dir, bool json) {
  return RunFleet(ctx, {"migrate", json}, [&](const EngineOptions& target) {
    EngineOptions options = target;
    options.backup_dir = backup_dir;
    FleetProgress progress;
    const std::string database = options.database;
    auto on_wait = [database](const LockHolder& holder) {
      try {
        std::fflush(stdout);
        std::cerr << "chimp: " + database + ": waiting for the migration lock, held by " + holder.ToString() + "\n";
      } catch (...) {
      }
    };
    Result<MigrateReport> result = Migrate(options, request, &progress, on_wait);
    if (result.ok()) {
      FleetOutcome o;
      o.known = true;
      o.from = result->plan.current.ToString();
      o.to = result->summary.reached.ToString();
      o.steps = result->summary.steps_run;
      return o;
    }
    FleetOutcome o = FleetFailure(result.status());
    o.known = progress.planned_;
    o.from = progress.from_;
    o.to = progress.reached_.empty() ? progress.from_ : progress.reached_;
    o.steps = progress.steps_ok_;
    return o;
  });
}

int RunMigrate(const Context& ctx, const std::string& to, const std::string& phase, const std::string& backup_dir,
               bool accept_drift, const ProgressFlags& flags, const RehearsalFlags* rehearsal) {
  Result<std::string> format = ChooseFormat(ctx, "migrate", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  const bool json = *format == "json";
  Result<PlanRequest> request = MakePlanRequest(to, phase);
  if (!request.ok()) return Fail(request.status());
  if (rehearsal != nullptr) {
    // The real run only after the rehearsal passed: a failure on the copy
    // leaves the real database untouched.
    EngineOptions rehearsed = ctx.options;
    ApplyRehearsalFlags(*rehearsal, &rehearsed);
    const int code = RunRehearsal(ctx, rehearsed, *request, json, true);
    if (code != kExitOk) {
      const std::string why = "migrate --rehearse: the rehearsal did not pass; nothing was migrated";
      if (json) {
        std::cout << Json({{"event", "run_finished"},
                           {"ok", false},
                           {"exit_code", code},
                           {"database", ctx.options.database},
                           {"run_id", nullptr},
                           {"from_version", nullptr},
                           {"reached_version", nullptr},
                           {"steps_run", 0},
                           {"duration_ms", 0},
                           {"backup", nullptr},
                           {"error", {{"code", "rehearsal failed"}, {"exit_code", code}, {"message", why}}}})
                         .dump(-1, ' ', false, Json::error_handler_t::replace)
                  << std::endl;
      }
      std::cerr << "chimp: " << why << '\n';
      return code;
    }
    if (!json && !ctx.quiet) std::cout << "\nMigrating the real database:\n";
  }
  if (ctx.fleet()) return RunMigrateFleet(ctx, *request, backup_dir, json);

  Progress::Settings settings;
  settings.database = ctx.options.database;
  settings.json = json;
  settings.verbose = ctx.verbose;
  settings.quiet = ctx.quiet;
  settings.mode = ChooseProgressMode(flags.when, ctx.quiet);
  settings.interval = std::chrono::milliseconds(static_cast<int64_t>(flags.interval_s * 1000));
  settings.same_terminal = SameTerminal();
  Progress progress(settings);
  LiveProgress& live = progress.live();
  SetLogInterlude([&live] { live.Interrupt(); }, [&live] { live.Resume(); });
  struct ResetInterlude {
    ~ResetInterlude() { SetLogInterlude({}, {}); }
  } reset_interlude;

  const std::string database = ctx.options.database;
  const int64_t lock_timeout = ctx.options.lock_timeout.count();
  auto on_wait = [&progress, json, database, lock_timeout](const LockHolder& holder) {
    try {
      const std::string text = "waiting up to " + std::to_string(lock_timeout) + " s for the migration lock of '" +
                               database + "', held by " + holder.ToString();
      progress.Print([&] {
        std::fflush(stdout);
        std::cerr << "chimp: " << text << '\n';
      });
      if (json) progress.Warning("", text);
    } catch (...) {
    }
  };
  EngineOptions options = ctx.options;
  options.backup_dir = backup_dir;
  options.accept_drift = accept_drift;
  Json backup_json = nullptr;
  auto on_backup = [json, &backup_json, &progress](const BackupRecord& b) {
    try {
      progress.BackupDone();
      backup_json = BackupToJson(b);
      if (json) {
        progress.Emit({{"event", "backup"}, {"backup", backup_json}});
        return;
      }
      progress.Print([&] {
        if (b.file.empty()) {
          std::cout << "Backup: " << b.error << " (recorded for run " << b.run_id.substr(0, 8) << ")\n";
        } else {
          std::cout << "Backup: " << b.file << " (" << b.size_bytes << " bytes" << BinlogText(b) << ")\n";
        }
      });
    } catch (...) {
    }
  };
  const auto started = std::chrono::steady_clock::now();
  Result<MigrateReport> result = Migrate(options, *request, &progress, on_wait, on_backup);
  const int64_t elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  progress.BackupDone();
  progress.Close();

  // As main() maps it: a run stopped by a signal exits 12.
  const int code = result.ok()              ? kExitOk
                   : InterruptSignal() != 0 ? kExitInterrupted
                                            : ExitCodeFor(result.status().code());
  if (json) {
    Json event = {{"event", "run_finished"},
                  {"ok", result.ok()},
                  {"exit_code", code},
                  {"database", database},
                  {"run_id", result.ok() ? result->summary.run_id : progress.run_id()},
                  {"from_version", progress.from()},
                  {"reached_version", result.ok() ? Json(result->summary.reached.ToString()) : Json(nullptr)},
                  {"steps_run", result.ok() ? result->summary.steps_run : static_cast<int32_t>(progress.steps_ok())},
                  {"duration_ms", elapsed_ms},
                  {"backup", backup_json},
                  {"error", result.ok() ? Json(nullptr) : ErrorToJson(result.status())}};
    if (!result.ok()) event["error"]["exit_code"] = code;
    progress.Emit(event);
    NoteJsonPrinted();
  }
  SetLogInterlude({}, {});
  if (!result.ok()) {
    (void)Fail(result.status());
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
    bool accept_drift = false;
    ProgressFlags progress;
    bool rehearse = false;
    RehearsalFlags rehearsal;
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
  app->add_flag("--accept-drift", opts->accept_drift,
                "Run even though the live schema differs from the one recorded after the last edge (drift; "
                "without it migrate refuses, exit 9, and names the differences)");
  app->add_option("--progress", opts->progress.when,
                  "auto (Default: a line redrawn in place on a terminal, plain periodic lines on stderr "
                  "otherwise), always (redrawn even when stderr is no terminal), plain, or never; -q is never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "plain", "never"}));
  app->add_option("--progress-interval", opts->progress.interval_s,
                  "Seconds between plain progress lines and between JSON progress events of a step (Default: 2)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.1, 3600.0));
  app->add_flag("--rehearse", opts->rehearse,
                "First rehearse the run on a throwaway server loaded with a copy (chimp rehearse); migrate "
                "only when the rehearsal passed, else exit with its code and change nothing");
  AddRehearsalOptions(app, &opts->rehearsal);
  return [opts](const Context& ctx) {
    if (opts->dry_run) return RunPlan(ctx, opts->to, opts->phase, "migrate --dry-run");
    return RunMigrate(ctx, opts->to, opts->phase, opts->backup, opts->accept_drift, opts->progress,
                      opts->rehearse ? &opts->rehearsal : nullptr);
  };
}

}  // namespace chimp::cli
