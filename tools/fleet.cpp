#include "fleet.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "chimp/connection.hpp"
#include "chimp/engine.hpp"
#include "chimp/interrupt.hpp"
#include "exit_codes.hpp"
#include "json_errors.hpp"
#include "log.hpp"

namespace chimp::cli {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "host:port", or the socket path: what makes two targets the same server.
std::string ServerOf(const ConnectionOptions& c) {
  if (!c.socket.empty()) return c.socket;
  return (c.host.empty() ? std::string("localhost") : c.host) + ":" + std::to_string(c.port == 0 ? 3306 : c.port);
}

// The schemas of `options`' server whose names are LIKE `pattern`, sorted;
// never a system schema nor the changelog schema.
Result<std::vector<std::string>> MatchSchemas(const EngineOptions& options, const std::string& pattern,
                                              const std::string& where) {
  ConnectionOptions connection = options.connection;
  connection.database.clear();
  CHIMP_ASSIGN_OR_RETURN(auto conn, Connection::Open(connection));
  const Value params[] = {Value::Text(pattern)};
  CHIMP_ASSIGN_OR_RETURN(QueryResult result,
                         conn->Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ? "
                                     "ORDER BY schema_name",
                                     params));
  std::vector<std::string> names;
  for (const Row& row : result.rows) {
    if (row.empty() || row[0].is_null()) continue;
    const std::string name = row[0].ToString();
    const std::string lower = Lower(name);
    if (lower == "mysql" || lower == "information_schema" || lower == "performance_schema" || lower == "sys") continue;
    if (lower == Lower(options.changelog_schema)) continue;
    names.push_back(name);
  }
  if (names.empty()) {
    return Status::NotFound(where + ": no schema of server " + ServerOf(options.connection) + " is LIKE '" + pattern +
                            "' (the system schemas and the changelog schema '" + options.changelog_schema +
                            "' never match); create the schemas first, or check the pattern");
  }
  return names;
}

// `base` with a [[targets]] table's keys over it.
EngineOptions WithTarget(const EngineOptions& base, const FleetTarget& t) {
  EngineOptions o = base;
  o.targets.clear();
  ConnectionOptions& c = o.connection;
  if ((t.host || t.port) && !t.socket) c.socket.clear();
  if (t.host) c.host = *t.host;
  if (t.port) c.port = *t.port;
  if (t.socket) c.socket = *t.socket;
  if (t.user) c.user = *t.user;
  if (t.password) c.password = *t.password;
  return o;
}

// Adds one target per database of `names` on `server_options`; a target
// named twice is refused with both places.
Status AddMembers(const EngineOptions& server_options, const std::vector<std::string>& names, const std::string& where,
                  std::map<std::string, std::string>* seen, std::vector<FleetMember>* out) {
  for (const std::string& name : names) {
    FleetMember m;
    m.server = ServerOf(server_options.connection);
    m.where = where;
    m.options = server_options;
    m.options.targets.clear();
    m.options.database = name;
    const std::string key = m.server + "\n" + name;
    if (auto [it, added] = seen->emplace(key, where); !added) {
      return Status::InvalidArgument("database '" + name + "' on server " + m.server + " is named twice, by " +
                                     it->second + " and by " + where + "; a target runs once per fleet run");
    }
    out->push_back(std::move(m));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<FleetMember>> ResolveFleet(const Context& ctx) {
  std::vector<FleetMember> members;
  std::map<std::string, std::string> seen;
  if (!ctx.pattern.empty()) {
    const std::string where = "--databases '" + ctx.pattern + "'";
    CHIMP_ASSIGN_OR_RETURN(auto names, MatchSchemas(ctx.options, ctx.pattern, where));
    CHIMP_RETURN_IF_ERROR(AddMembers(ctx.options, names, where, &seen, &members));
  } else if (!ctx.databases.empty()) {
    CHIMP_RETURN_IF_ERROR(AddMembers(ctx.options, ctx.databases, "--database", &seen, &members));
  } else {
    for (const FleetTarget& t : ctx.options.targets) {
      const EngineOptions o = WithTarget(ctx.options, t);
      std::vector<std::string> names = t.databases;
      if (!t.pattern.empty()) {
        CHIMP_ASSIGN_OR_RETURN(names, MatchSchemas(o, t.pattern, t.where + ": [[targets]] databases"));
      }
      if (names.empty()) {
        return Status::InvalidArgument(t.where +
                                       ": this [[targets]] table names no database: set database = \"NAME\" (or a "
                                       "list) or databases = \"PATTERN\"");
      }
      CHIMP_RETURN_IF_ERROR(AddMembers(o, names, t.where, &seen, &members));
    }
  }
  const bool many_servers = std::any_of(members.begin(), members.end(),
                                        [&](const FleetMember& m) { return m.server != members.front().server; });
  for (FleetMember& m : members) m.name = many_servers ? m.server + "/" + m.options.database : m.options.database;
  return members;
}

FleetOutcome FleetFailure(const Status& status) {
  FleetOutcome o;
  o.exit_code = ExitCodeFor(status.code());
  o.message = status.message();
  return o;
}

int RefuseFleet(const Context& ctx, const char* command) {
  if (!ctx.fleet() && !ctx.jobs_given && !ctx.keep_going) return kExitOk;
  return Fail(Status::InvalidArgument(
      std::string(command) +
      " runs on one database: fleet runs (several --database, --databases, [[targets]], --jobs, --keep-going) are "
      "for migrate, status, plan, check and validate"));
}

namespace {

// Where every target of the run stands; shared by the jobs under mu_.
class FleetRun {
 public:
  FleetRun(std::vector<FleetMember> members, const Context& ctx, const FleetSettings& settings)
      : members_(std::move(members)), ctx_(ctx), settings_(settings), rows_(members_.size()) {}

  void Run(const FleetJob& job) {
    const int jobs = std::max(1, std::min<int>(ctx_.jobs, static_cast<int>(members_.size())));
    std::vector<std::thread> threads;
    for (int i = 1; i < jobs; ++i) threads.emplace_back([this, &job] { Work(job); });
    Work(job);
    for (std::thread& t : threads) t.join();
  }

  int Report() const {
    size_t ok = 0, failed = 0, not_started = 0;
    int code = kExitOk;
    std::string first;
    for (size_t i = 0; i < rows_.size(); ++i) {
      const Row& r = rows_[i];
      if (!r.started) {
        ++not_started;
      } else if (r.outcome.exit_code == kExitOk) {
        ++ok;
      } else {
        ++failed;
        if (code == kExitOk) {
          code = r.outcome.exit_code;
          first = members_[i].name;
        }
      }
    }
    if (code == kExitOk && not_started > 0) code = kExitInterrupted;  // only a signal leaves targets unstarted
    if (settings_.json) {
      PrintJson(ToJson(code, ok, failed, not_started));
      NoteJsonPrinted();
    } else {
      PrintSummary(ok, failed, not_started, code, first);
    }
    return code;
  }

 private:
  struct Row {
    bool started = false;
    FleetOutcome outcome;
    int64_t duration_ms = 0;
  };

  // One job: takes the next target until none is left, a target failed
  // (without --keep-going) or a signal came.
  void Work(const FleetJob& job) {
    for (;;) {
      if (InterruptSignal() != 0 || (stop_.load() && !ctx_.keep_going)) return;
      const size_t i = next_.fetch_add(1);
      if (i >= members_.size()) return;
      const auto started = std::chrono::steady_clock::now();
      FleetOutcome outcome;
      SetLogTarget(members_[i].name);
      try {
        outcome = job(members_[i].options);
      } catch (const std::exception& e) {
        outcome.exit_code = kExitInternal;
        outcome.message = std::string("internal error: ") + e.what();
      } catch (...) {
        outcome.exit_code = kExitInternal;
        outcome.message = "internal error: unknown exception";
      }
      SetLogTarget("");
      if (outcome.exit_code != kExitOk && InterruptSignal() != 0) outcome.exit_code = kExitInterrupted;
      const int64_t ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      if (outcome.exit_code != kExitOk) stop_.store(true);
      Finish(i, std::move(outcome), ms);
    }
  }

  // Records a target's end and prints its line (text), whole, under mu_.
  void Finish(size_t i, FleetOutcome outcome, int64_t ms) {
    std::lock_guard<std::mutex> lock(mu_);
    Row& r = rows_[i];
    r.started = true;
    r.outcome = std::move(outcome);
    r.duration_ms = ms;
    ++done_;
    if (settings_.json) return;
    const FleetOutcome& o = r.outcome;
    std::string line = "[" + std::to_string(done_) + "/" + std::to_string(members_.size()) + "] " + members_[i].name;
    if (o.exit_code == kExitOk) {
      if (ctx_.quiet) return;
      line += ": ok";
      if (o.known) line += o.from == o.to ? ", at " + VersionText(o.to) : ", " + EdgeText(o.from, o.to);
      line += ", " + std::to_string(o.steps) + " " + StepsWord() + " in " + DurationText(ms);
      std::cout << line << '\n' << std::flush;
      return;
    }
    line += ": FAILED (exit " + std::to_string(o.exit_code) + "): " + o.message;
    std::fflush(stdout);
    std::cerr << "chimp: " << line << '\n' << std::flush;
  }

  const char* StepsWord() const {
    const std::string c = settings_.command;
    if (c == "migrate") return "steps run";
    if (c == "check") return "checks";
    if (c == "validate") return "steps applied";
    return "steps pending";
  }

  static const char* Outcome(const Row& r) {
    if (!r.started) return "not started";
    return r.outcome.exit_code == kExitOk ? "ok" : "failed";
  }

  void PrintSummary(size_t ok, size_t failed, size_t not_started, int code, const std::string& first) const {
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < rows_.size(); ++i) {
      const Row& r = rows_[i];
      const FleetOutcome& o = r.outcome;
      rows.push_back({members_[i].name, r.started && o.known ? VersionText(o.from) : "-",
                      r.started && o.known ? VersionText(o.to) : "-", r.started ? std::to_string(o.steps) : "-",
                      r.started ? DurationText(r.duration_ms) : "-",
                      std::string(Outcome(r)) + (r.started ? " (" + std::to_string(o.exit_code) + ")" : ""),
                      FirstLine(o.message, 120)});
    }
    std::cout << "\nFleet " << settings_.command << " of " << members_.size() << " targets, " << ctx_.jobs
              << (ctx_.jobs == 1 ? " job" : " jobs") << ":\n";
    PrintTable(std::cout, {"TARGET", "FROM", "TO", "STEPS", "TIME", "OUTCOME", "MESSAGE"}, rows, 2);
    std::cout << '\n' << ok << " ok, " << failed << " failed, " << not_started << " not started";
    if (code != kExitOk) {
      std::cout << "; exit " << code;
      if (!first.empty()) std::cout << " (the first failing target in fleet order, " << first << ")";
    }
    std::cout << ".\n" << std::flush;
  }

  Json ToJson(int code, size_t ok, size_t failed, size_t not_started) const {
    Json targets = Json::array();
    for (size_t i = 0; i < rows_.size(); ++i) {
      const Row& r = rows_[i];
      const FleetOutcome& o = r.outcome;
      targets.push_back({{"target", members_[i].name},
                         {"server", members_[i].server},
                         {"database", members_[i].options.database},
                         {"outcome", Outcome(r)},
                         {"exit_code", r.started ? Json(o.exit_code) : Json(nullptr)},
                         {"from_version", r.started && o.known ? Json(o.from) : Json(nullptr)},
                         {"to_version", r.started && o.known ? Json(o.to) : Json(nullptr)},
                         {"steps", r.started ? Json(o.steps) : Json(nullptr)},
                         {"duration_ms", r.started ? Json(r.duration_ms) : Json(nullptr)},
                         {"message", r.started && !o.message.empty() ? Json(o.message) : Json(nullptr)}});
    }
    return {{"fleet", settings_.command},
            {"jobs", ctx_.jobs},
            {"keep_going", ctx_.keep_going},
            {"ok", code == kExitOk},
            {"exit_code", code},
            {"counts", {{"targets", members_.size()}, {"ok", ok}, {"failed", failed}, {"not_started", not_started}}},
            {"targets", targets}};
  }

  const std::vector<FleetMember> members_;
  const Context& ctx_;
  const FleetSettings settings_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Row> rows_;  // under mu_
  size_t done_ = 0;        // under mu_
};

}  // namespace

int RunFleet(const Context& ctx, const FleetSettings& settings, const FleetJob& job) {
  Result<std::vector<FleetMember>> members = ResolveFleet(ctx);
  if (!members.ok()) return Fail(members.status());
  // Once per run, on this thread: discovery, trust, bundle checks, the trial
  // in a child and the load. The jobs build their catalogs from copies.
  Result<std::shared_ptr<const PluginSet>> plugins = LoadPluginSet(ctx.options);
  if (!plugins.ok()) return Fail(plugins.status());
  for (FleetMember& m : *members) m.options.plugin_set = *plugins;
  FleetRun run(std::move(members).value(), ctx, settings);
  run.Run(job);
  return run.Report();
}

}  // namespace chimp::cli
