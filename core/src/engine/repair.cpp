// validate, repair and baseline: the commands that look after the
// changelog rather than run steps (engine.hpp; doc/operations.md).
#include "exec/maintenance.hpp"

#include <map>
#include <set>

#include "chimp/executor.hpp"
#include "exec/session.hpp"

namespace chimp {

namespace internal {

Result<std::unique_ptr<RunLock>> TakeRunLock(const EngineOptions& options, Connection& conn,
                                             const std::string& run_id,
                                             std::function<void(const LockHolder&)> on_wait) {
  RunLockOptions lock;
  lock.kind = options.lock_kind;
  lock.database = options.database;
  lock.timeout = options.lock_timeout;
  lock.changelog_schema = options.changelog_schema;
  lock.lease_ttl = options.lease_ttl;
  lock.owner = run_id;
  lock.heartbeat_connection = options.connection;
  lock.heartbeat_connection.database.clear();
  return AcquireRunLock(conn, lock, std::move(on_wait));
}

}  // namespace internal

namespace {


// What the changelog says about one step id (plugin steps only).
struct History {
  const ChangelogEntry* applied = nullptr;  // the latest success row
  const ChangelogEntry* last = nullptr;     // the latest row
};

std::map<std::string, History> IndexHistory(const std::vector<ChangelogEntry>& entries) {
  std::map<std::string, History> history;
  for (const ChangelogEntry& e : entries) {
    if (IsEngineRow(e)) continue;
    History& h = history[e.step_id];
    h.last = &e;
    if (e.status == StepStatus::kSuccess) h.applied = &e;
  }
  return history;
}

// A repeatable step (ABI 1.1) with `id` in `plugin`, or nullptr. Rationale:
// a template, so that this compiles with and without repeatables in the
// model while that work lands.
template <typename Plugin>
const Step* FindRepeatable(const Plugin& plugin, const std::string& id, const Edge** edge) {
  if constexpr (requires { plugin.repeatables; }) {
    for (const auto& r : plugin.repeatables) {
      if (r.step.id == id) {
        if (edge != nullptr) *edge = r.edge.get();
        return &r.step;
      }
    }
  }
  (void)plugin;
  (void)id;
  (void)edge;
  return nullptr;
}

const Step* FindRepeatableStep(const Catalog& catalog, const std::string& id, const Edge** edge) {
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    if (const Step* step = FindRepeatable(plugin, id, edge)) return step;
  }
  return nullptr;
}

std::vector<ChecksumMismatch> FindMismatches(const Catalog& catalog, const std::map<std::string, History>& history,
                                             std::vector<ChangelogEntry>* missing) {
  std::vector<ChecksumMismatch> out;
  for (const auto& [id, h] : history) {
    if (h.applied == nullptr) continue;
    // A repeatable step re-runs when it changes: never a mismatch.
    if (FindRepeatableStep(catalog, id, nullptr) != nullptr) continue;
    const Edge* edge = nullptr;
    const Step* step = catalog.FindStep(id, &edge);
    if (step == nullptr) {
      if (missing != nullptr) missing->push_back(*h.applied);
      continue;
    }
    if (step->checksum == h.applied->checksum) continue;
    ChecksumMismatch m;
    m.step_id = id;
    m.edge = edge->Name();
    m.plugin_file = edge->plugin ? edge->plugin->file : "";
    m.installed_checksum = step->checksum;
    m.applied_checksum = h.applied->checksum;
    m.applied_plugin_file = h.applied->plugin_file;
    m.applied_run_id = h.applied->run_id;
    m.changelog_id = h.applied->id;
    out.push_back(std::move(m));
  }
  return out;
}

// A changelog row for `step` of `edge`, recorded by run `run_id`.
ChangelogEntry EntryFor(const Edge& edge, const Step& step, const std::string& run_id) {
  ChangelogEntry e;
  e.run_id = run_id;
  e.step_id = step.id;
  e.edge_from = edge.from.ToString();
  e.edge_to = edge.to.ToString();
  e.phase = step.phase;
  e.kind = step.kind;
  e.checksum = step.checksum;
  if (edge.plugin) {
    e.plugin_name = edge.plugin->name;
    e.plugin_version = edge.plugin->version;
    e.plugin_file = edge.plugin->file;
  }
  e.description = step.description;
  e.proposed_at = step.proposed_at;
  e.engine_version = EngineVersion();
  return e;
}

// The legacy version query of a plugin, once PluginInfo has one (ABI 1.1);
// "" before. Rationale: a template, so that this compiles with and without
// the field while the ABI 1.1 work lands.
template <typename Info>
std::string LegacyVersionQuery(const Info& info) {
  if constexpr (requires { info.legacy_version_query; }) {
    return std::string(info.legacy_version_query);
  } else {
    (void)info;
    return std::string();
  }
}

bool GraphKnows(const Catalog& catalog, const Version& version) {
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    const Edge& e = catalog.edge(i);
    if (e.from == version || e.to == version) return true;
  }
  return false;
}

std::string KnownVersions(const Catalog& catalog) {
  std::set<Version> versions;
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    if (!catalog.edge(i).from.empty()) versions.insert(catalog.edge(i).from);
    versions.insert(catalog.edge(i).to);
  }
  std::string out;
  for (const Version& v : versions) out += (out.empty() ? "" : ", ") + v.ToString();
  return out.empty() ? "none" : out;
}

}  // namespace

Result<ValidationReport> ValidateChangelog(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  ValidationReport report;
  report.database = options.database;
  CHIMP_ASSIGN_OR_RETURN(report.catalog, LoadCatalog(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_ASSIGN_OR_RETURN(report.state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  const auto history = IndexHistory(entries);
  report.mismatches = FindMismatches(*report.catalog, history, &report.missing);
  for (const auto& [id, h] : history) {
    if (h.applied != nullptr) ++report.applied;
    if (h.last != nullptr && h.last->status != StepStatus::kSuccess) report.unfinished.push_back(*h.last);
  }
  return report;
}

Result<RepairReport> Repair(const EngineOptions& options, const RepairRequest& request,
                            const std::function<bool(const std::vector<RepairAction>&)>& confirm,
                            std::function<void(const LockHolder&)> on_wait) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  if (!request.checksums && request.mark_applied.empty() && request.mark_rolled_back.empty() &&
      request.statement_done.empty() && request.statement_not_done.empty()) {
    return Status::InvalidArgument(
        "repair: nothing asked: give --checksums, --mark-applied STEP, --mark-rolled-back STEP, "
        "--statement-done STEP or --statement-not-done STEP");
  }
  for (const std::string& id : request.statement_done) {
    for (const std::string& other : request.statement_not_done) {
      if (id == other) {
        return Status::InvalidArgument("repair: step '" + id +
                                       "' is given to both --statement-done and --statement-not-done");
      }
    }
  }
  for (const std::string& id : request.mark_applied) {
    for (const std::string& other : request.mark_rolled_back) {
      if (id == other) {
        return Status::InvalidArgument("repair: step '" + id +
                                       "' is given to both --mark-applied and --mark-rolled-back");
      }
    }
  }
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  CHIMP_ASSIGN_OR_RETURN(auto lock_conn, internal::ConnectWithoutDatabase(options));
  RepairReport report;
  report.run_id = NewRunId();
  CHIMP_ASSIGN_OR_RETURN(auto lock, internal::TakeRunLock(options, *lock_conn, report.run_id, std::move(on_wait)));
  CHIMP_ASSIGN_OR_RETURN(auto catalog, LoadCatalog(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_ASSIGN_OR_RETURN(bool exists, changelog.TablesExist());
  if (!exists) {
    return Status::FailedPrecondition("repair: the changelog schema '" + options.changelog_schema +
                                      "' has no changelog tables yet: there is nothing to repair for '" +
                                      options.database + "'");
  }
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  const auto history = IndexHistory(entries);

  struct Pending {
    RepairAction action;
    const Edge* edge = nullptr;
    const Step* step = nullptr;
    const ChangelogEntry* row = nullptr;  // the row changed, or the last attempt
    std::string installed_checksum;
  };
  std::vector<Pending> pending;
  if (request.checksums) {
    for (const ChecksumMismatch& m : FindMismatches(*catalog, history, nullptr)) {
      Pending p;
      p.action = {"checksum", m.step_id, m.applied_checksum + " -> " + m.installed_checksum + " (" + m.plugin_file + ")"};
      p.row = history.at(m.step_id).applied;
      p.installed_checksum = m.installed_checksum;
      pending.push_back(std::move(p));
    }
  }
  auto resolve = [&](const std::string& id, const char* action) -> Status {
    Pending p;
    p.step = catalog->FindStep(id, &p.edge);
    if (p.step == nullptr) p.step = FindRepeatableStep(*catalog, id, &p.edge);
    if (p.step == nullptr || p.edge == nullptr) {
      return Status::FailedPrecondition("repair --" + std::string(action) + ": step '" + id +
                                        "' is not provided by any installed plugin");
    }
    const bool repeatable = FindRepeatableStep(*catalog, id, nullptr) != nullptr;
    auto it = history.find(id);
    if (it != history.end() && it->second.applied != nullptr &&
        (!repeatable || it->second.last == it->second.applied)) {
      return Status::FailedPrecondition("repair --" + std::string(action) + ": step '" + id +
                                        "' is already applied (changelog row " +
                                        std::to_string(it->second.applied->id) + ", run " +
                                        it->second.applied->run_id + ")");
    }
    if (it == history.end() || it->second.last == nullptr) {
      return Status::FailedPrecondition("repair --" + std::string(action) + ": step '" + id +
                                        "' has no failed or interrupted attempt to resolve (it is only pending)");
    }
    p.row = it->second.last;
    const std::string act(action);
    if (act == "statement-done" || act == "statement-not-done") {
      if (p.row->pending_fingerprint.empty()) {
        return Status::FailedPrecondition(
            "repair --" + act + ": step '" + id + "': its last attempt (changelog row " + std::to_string(p.row->id) +
            ") has no statement in doubt; use --mark-applied or --mark-rolled-back instead");
      }
      const std::string at = "statement " + std::to_string(p.row->statement_index + 1) + " (pre-image " +
                             p.row->pending_fingerprint + ")";
      if (act == "statement-done") {
        p.action = {action, id,
                    at + (p.step->kind == StepKind::kNative ? " -> applied (the native step took effect)"
                                                            : " -> done (next migrate goes on after it)")};
      } else {
        p.action = {action, id, at + " -> not done (next migrate runs it again)"};
      }
      pending.push_back(std::move(p));
      return Status::Ok();
    }
    const std::string was = std::string(p.row->status == StepStatus::kRunning ? "interrupted" : "failed") +
                            " at statement " + std::to_string(p.row->statement_index + 1) +
                            (p.row->statement_count > 0 ? " of " + std::to_string(p.row->statement_count) : "");
    p.action = {action, id,
                was + (std::string(action) == "mark-applied" ? " -> applied (completed by hand)"
                                                               : " -> rolled back (next migrate starts at statement 1)")};
    pending.push_back(std::move(p));
    return Status::Ok();
  };
  for (const std::string& id : request.mark_applied) CHIMP_RETURN_IF_ERROR(resolve(id, "mark-applied"));
  for (const std::string& id : request.mark_rolled_back) CHIMP_RETURN_IF_ERROR(resolve(id, "mark-rolled-back"));
  for (const std::string& id : request.statement_done) CHIMP_RETURN_IF_ERROR(resolve(id, "statement-done"));
  for (const std::string& id : request.statement_not_done) {
    CHIMP_RETURN_IF_ERROR(resolve(id, "statement-not-done"));
  }

  for (const Pending& p : pending) report.actions.push_back(p.action);
  if (pending.empty() || !confirm || !confirm(report.actions)) return report;

  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  CHIMP_RETURN_IF_ERROR(conn->Begin());
  auto apply = [&]() -> Status {
    for (const Pending& p : pending) {
      RepairRecord audit;
      audit.run_id = report.run_id;
      audit.action = p.action.action;
      audit.step_id = p.action.step_id;
      if (p.action.action == "checksum") {
        CHIMP_RETURN_IF_ERROR(changelog.SetChecksum(p.row->id, p.installed_checksum));
        audit.changelog_id = p.row->id;
        audit.old_value = p.row->checksum;
        audit.new_value = p.installed_checksum;
        audit.note = "re-recorded the checksum of the applied step to the installed plugin's value";
      } else if (p.action.action == "statement-done" || p.action.action == "statement-not-done") {
        // A new failed row carries the answer: the planner resumes from the
        // last attempt (doc/recovery.md).
        const bool done = p.action.action == "statement-done";
        const bool native = p.step->kind == StepKind::kNative;
        ChangelogEntry entry = EntryFor(*p.edge, *p.step, report.run_id);
        entry.status = StepStatus::kRunning;
        entry.statement_count = p.row->statement_count;
        entry.statement_index = done ? (native ? p.row->statement_count : p.row->statement_index + 1)
                                     : p.row->statement_index;
        CHIMP_ASSIGN_OR_RETURN(int64_t id, changelog.Insert(entry));
        const std::string note =
            done ? "resolved by chimp repair --statement-done: the operator found that statement " +
                       std::to_string(p.row->statement_index + 1) + " took effect"
                 : "resolved by chimp repair --statement-not-done: the operator found that statement " +
                       std::to_string(p.row->statement_index + 1) + " did not take effect; the next migrate runs it";
        const bool success = done && native;
        CHIMP_RETURN_IF_ERROR(changelog.Finish(id, success ? StepStatus::kSuccess : StepStatus::kFailed,
                                               entry.statement_index, success ? "" : note, 0,
                                               success ? note : ""));
        if (!done) CHIMP_RETURN_IF_ERROR(changelog.SetPending(id, entry.statement_index, "rerun"));
        audit.changelog_id = id;
        audit.old_value = std::string(StepStatusName(p.row->status)) + " at statement index " +
                          std::to_string(p.row->statement_index) + ", pre-image " + p.row->pending_fingerprint +
                          " (row " + std::to_string(p.row->id) + ")";
        audit.new_value = success ? std::string("success")
                                  : "failed at statement index " + std::to_string(entry.statement_index) +
                                        (done ? "" : ", pre-image rerun");
        audit.note = note;
      } else {
        const bool applied = p.action.action == "mark-applied";
        ChangelogEntry entry = EntryFor(*p.edge, *p.step, report.run_id);
        entry.status = StepStatus::kRunning;
        entry.statement_count = p.row->statement_count;
        entry.statement_index = applied ? p.row->statement_count : 0;
        CHIMP_ASSIGN_OR_RETURN(int64_t id, changelog.Insert(entry));
        const std::string note =
            applied ? "marked applied by chimp repair --mark-applied: the operator completed the step by hand"
                    : "rolled back by chimp repair --mark-rolled-back: the operator undid the step's partial "
                      "changes; the next migrate starts it from statement 1";
        CHIMP_RETURN_IF_ERROR(changelog.Finish(id, applied ? StepStatus::kSuccess : StepStatus::kFailed,
                                               entry.statement_index, applied ? "" : note, 0,
                                               applied ? note : ""));
        audit.changelog_id = id;
        audit.old_value = std::string(StepStatusName(p.row->status)) + " at statement index " +
                          std::to_string(p.row->statement_index) + " (row " + std::to_string(p.row->id) + ")";
        audit.new_value = applied ? "success" : "failed at statement index 0";
        audit.note = note;
      }
      CHIMP_ASSIGN_OR_RETURN(int64_t audit_id, changelog.InsertRepair(audit));
      (void)audit_id;
    }
    return Status::Ok();
  };
  Status applied = apply();
  if (!applied.ok()) {
    Status ignored = conn->Rollback();
    (void)ignored;
    return applied;
  }
  CHIMP_RETURN_IF_ERROR(conn->Commit());
  report.applied = true;
  return report;
}

Result<BaselineReport> Baseline(const EngineOptions& options, const BaselineRequest& request,
                                std::function<void(const LockHolder&)> on_wait) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  if (options.plugin_dirs.empty() && !(request.force && request.version.has_value())) {
    return Status::InvalidArgument(
        "baseline checks the version against the plugins' graph: give --plugins DIR (or --version V --force)");
  }
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  CHIMP_ASSIGN_OR_RETURN(auto lock_conn, internal::ConnectWithoutDatabase(options));
  BaselineReport report;
  report.run_id = NewRunId();
  CHIMP_ASSIGN_OR_RETURN(auto lock, internal::TakeRunLock(options, *lock_conn, report.run_id, std::move(on_wait)));
  std::unique_ptr<Catalog> catalog;
  if (!options.plugin_dirs.empty()) {
    CHIMP_ASSIGN_OR_RETURN(catalog, LoadCatalog(options));
  }

  Changelog changelog(*conn, options.changelog_schema, options.database);
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  if (!entries.empty() || !state.version.empty()) {
    return Status::FailedPrecondition(
        "baseline refused: the changelog in schema '" + options.changelog_schema + "' already has " +
        std::to_string(entries.size()) + (entries.size() == 1 ? " entry" : " entries") + " for database '" +
        options.database + "' (current version " + (state.version.empty() ? "(empty)" : state.version.ToString()) +
        "); baseline is only for a database chimp has not migrated yet (see chimp status, chimp log)");
  }

  if (request.version.has_value()) {
    report.version = *request.version;
    report.source = "--version";
  } else {
    std::string tried;
    for (const LoadedPlugin& plugin : catalog->plugins()) {
      const std::string query = LegacyVersionQuery(*plugin.info);
      if (query.empty()) continue;
      const std::string source = "legacy version query of plugin '" + plugin.info->file + "'";
      auto found = conn->QueryScalar(query);
      if (!found.ok()) {
        tried += "; " + source + " failed: " + found.status().message();
        continue;
      }
      if (!found->has_value() || (*found)->is_null() || (*found)->ToString().empty()) {
        tried += "; " + source + " (" + query + ") returned no version";
        continue;
      }
      CHIMP_ASSIGN_OR_RETURN(report.version, Version::Parse((*found)->ToString(), source));
      report.source = source + " (" + query + ")";
      break;
    }
    if (report.source.empty()) {
      return Status::NotFound("baseline: no --version given and " +
                              (tried.empty() ? std::string("no installed plugin provides a legacy version query")
                                             : "no legacy version query found a version" + tried) +
                              "; give --version V");
    }
  }
  if (report.version.empty()) {
    return Status::InvalidArgument("baseline: the empty version is where every database starts; give a version");
  }
  if (!request.force && catalog != nullptr && !GraphKnows(*catalog, report.version)) {
    return Status::PlanError("baseline: version " + report.version.ToString() + " (from " + report.source +
                             ") is not a version of the plugins' graph (known: " + KnownVersions(*catalog) +
                             "); migrate could not plan from it. --force baselines anyway");
  }

  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(conn->Begin());
  auto record = [&]() -> Status {
    ChangelogEntry entry;
    entry.run_id = report.run_id;
    entry.step_id = kBaselineStepId;
    entry.edge_to = report.version.ToString();
    entry.description = "baseline: database marked as being at " + report.version.ToString() + " (" +
                        report.source + "); nothing was run";
    entry.engine_version = EngineVersion();
    entry.status = StepStatus::kRunning;
    CHIMP_ASSIGN_OR_RETURN(int64_t id, changelog.Insert(entry));
    const Value params[] = {Value::Int(id)};
    CHIMP_RETURN_IF_ERROR(
        conn->Execute("UPDATE " + changelog.ChangelogTable() + " SET kind = 'baseline' WHERE id = ?", params)
            .status());
    CHIMP_RETURN_IF_ERROR(changelog.Finish(id, StepStatus::kSuccess, 0, "", 0, ""));
    CHIMP_RETURN_IF_ERROR(changelog.SetVersion(report.version, report.run_id));
    RepairRecord audit;
    audit.run_id = report.run_id;
    audit.action = "baseline";
    audit.changelog_id = id;
    audit.new_value = report.version.ToString();
    audit.note = entry.description;
    CHIMP_ASSIGN_OR_RETURN(int64_t audit_id, changelog.InsertRepair(audit));
    (void)audit_id;
    return Status::Ok();
  };
  Status recorded = record();
  if (!recorded.ok()) {
    Status ignored = conn->Rollback();
    (void)ignored;
    return recorded;
  }
  CHIMP_RETURN_IF_ERROR(conn->Commit());
  return report;
}

Result<std::vector<BackupRecord>> ReadBackups(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  return changelog.ReadBackups();
}

Result<std::vector<RepairRecord>> ReadRepairs(const EngineOptions& options) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_ASSIGN_OR_RETURN(auto conn, internal::ConnectWithoutDatabase(options));
  Changelog changelog(*conn, options.changelog_schema, options.database);
  return changelog.ReadRepairs();
}

}  // namespace chimp
