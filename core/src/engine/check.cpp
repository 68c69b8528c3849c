// Checks outside a migration's steps (engine/check.hpp) and `chimp check`
// (engine.hpp, RunChecks).
#include "engine/check.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "chimp/engine.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "exec/check_run.hpp"

namespace chimp {

const char* CheckKindName(CheckKind kind) {
  switch (kind) {
    case CheckKind::kPreflight: return "preflight";
    case CheckKind::kSanity: return "sanity";
    case CheckKind::kChangelog: return "changelog";
    case CheckKind::kDrift: return "drift";
  }
  return "?";
}

bool AllPassed(const std::vector<CheckResult>& results) {
  for (const CheckResult& r : results) {
    if (!r.passed) return false;
  }
  return true;
}

namespace internal {

namespace {

// ER_BAD_DB_ERROR: "Unknown database".
constexpr uint32_t kErBadDb = 1049;

CheckResult ResultOf(CheckKind kind, const Edge& edge, const Step& step) {
  CheckResult r;
  r.kind = kind;
  r.name = step.id;
  r.edge_from = edge.from.ToString();
  r.edge_to = edge.to.ToString();
  r.plugin_file = edge.plugin ? edge.plugin->file : "";
  r.description = step.description;
  return r;
}

}  // namespace

bool RunsBeforeTheRun(const Plan& plan, const PlannedStep& ps) {
  if (ps.repeatable || ps.step->kind != StepKind::kCheck || !ps.step->preflight) return false;
  return !plan.current.empty() || ps.edge->from.empty();
}

Status CheckSession::Reconnect() {
  conn_.reset();
  has_database_ = false;
  CHIMP_ASSIGN_OR_RETURN(conn_, ConnectWithoutDatabase(options_));
  return Status::Ok();
}

Status CheckSession::Enter(const Edge& edge, const Step& step) {
  if (conn_ == nullptr) {
    CHIMP_RETURN_IF_ERROR(Reconnect());
  } else {
    CHIMP_RETURN_IF_ERROR(conn_->ResetSession().WithContext("resetting the session"));
  }
  const std::string db = step.database.has_value() ? *step.database : options_.database;
  bool selected = false;
  if (!db.empty()) {
    Status used = conn_->Execute(std::string(kInternalTag) + "USE " + Connection::QuoteIdentifier(db)).status();
    if (!used.ok() && used.server_errno() != kErBadDb) return used;
    selected = used.ok();
  }
  // No default database: COM_RESET_CONNECTION keeps the one selected, and
  // leaving it through a scratch database would be a write.
  if (!selected && has_database_) CHIMP_RETURN_IF_ERROR(Reconnect());
  has_database_ = selected;
  CHIMP_RETURN_IF_ERROR(conn_->Execute(std::string(kInternalTag) + "SET SESSION TRANSACTION READ ONLY").status());
  CHIMP_RETURN_IF_ERROR(RunSessionSql(*conn_, edge.plugin->session_sql, "plugin session_sql"));
  return RunSessionSql(*conn_, step.session_sql, "step session_sql");
}

Result<CheckResult> CheckSession::Run(CheckKind kind, const Edge& edge, const Step& step) {
  CheckResult r = ResultOf(kind, edge, step);
  Status s = Enter(edge, step);
  if (!s.ok()) s = s.WithContext("check '" + step.id + "': setting up its session");
  if (s.ok()) s = RunCheck(*conn_, step, edge);
  if (s.code() == StatusCode::kUnavailable) return s;
  r.passed = s.ok();
  r.message = s.message();
  return r;
}

Result<std::vector<CheckResult>> RunPreflight(const EngineOptions& options, const Plan& plan) {
  std::vector<CheckResult> results;
  CheckSession session(options);
  for (const PlannedStep& ps : plan.steps) {
    if (!RunsBeforeTheRun(plan, ps)) continue;
    CHIMP_ASSIGN_OR_RETURN(CheckResult r, session.Run(CheckKind::kPreflight, *ps.edge, *ps.step));
    results.push_back(std::move(r));
  }
  return results;
}

Status PreflightVerdict(const std::vector<CheckResult>& results) {
  std::string failed;
  size_t count = 0;
  for (const CheckResult& r : results) {
    if (r.passed) continue;
    ++count;
    failed += "; check '" + r.name + "' of edge " + (r.edge_from.empty() ? "(empty)" : r.edge_from) + " -> " +
              r.edge_to + " (plugin '" + r.plugin_file + "'): " + r.message;
  }
  if (count == 0) return Status::Ok();
  return Status::CheckFailed("pre-flight: " + std::to_string(count) + " of " + std::to_string(results.size()) +
                             (results.size() == 1 ? " check" : " checks") +
                             " failed; nothing was written (no changelog row, no backup, no step)" + failed);
}

void MarkPreflightPassed(Plan* plan) {
  for (PlannedStep& ps : plan->steps) {
    if (RunsBeforeTheRun(*plan, ps)) ps.preflight_passed = true;
  }
}

namespace {

// The one passed "drift" result: nothing to compare with, and why.
CheckResult NotCompared(std::string why) {
  CheckResult r;
  r.kind = CheckKind::kDrift;
  r.name = "drift";
  r.description = std::move(why);
  r.passed = true;
  r.message = r.description;
  return r;
}

// The steps whose row started after the newest fingerprint was recorded
// (both times are the server's NOW(6), in the same text format); chimp's
// own rows and rows a restore rolled back left out.
size_t StepsSince(const std::vector<ChangelogEntry>& entries, const std::vector<FingerprintRecord>& records,
                  const ChangelogEntry** first) {
  std::string newest;
  for (const FingerprintRecord& rec : records) newest = std::max(newest, rec.recorded_at);
  size_t count = 0;
  for (const ChangelogEntry& e : entries) {
    if (IsEngineRow(e) || e.status == StepStatus::kRolledBack || e.started_at <= newest) continue;
    if (count++ == 0) *first = &e;
  }
  return count;
}

}  // namespace

Status AddDriftChecks(Connection& conn, Changelog& changelog, const std::vector<ChangelogEntry>& entries,
                      std::vector<CheckResult>* out) {
  CHIMP_ASSIGN_OR_RETURN(std::vector<FingerprintRecord> records, changelog.LatestFingerprints());
  if (records.empty()) {
    out->push_back(NotCompared("no schema fingerprint recorded yet (migrate records one when a run ends)"));
    return Status::Ok();
  }
  const ChangelogEntry* first = nullptr;
  if (const size_t since = StepsSince(entries, records, &first); since > 0) {
    out->push_back(NotCompared("not compared: " + std::to_string(since) + (since == 1 ? " step" : " steps") +
                               " started after the newest schema fingerprint was recorded (the first: '" +
                               first->step_id + "' of " +
                               (first->edge_from.empty() ? std::string("(empty)") : first->edge_from) + " -> " +
                               first->edge_to + ", " + StepStatusName(first->status) +
                               "), so an edge is in progress; the run that finishes it records "
                               "the fingerprint again"));
    return Status::Ok();
  }
  std::vector<std::string> schemas;
  for (const FingerprintRecord& rec : records) schemas.push_back(rec.schema);
  CHIMP_ASSIGN_OR_RETURN(SchemaFingerprint live, FingerprintSchemas(conn, schemas));
  for (size_t i = 0; i < records.size(); ++i) {
    const FingerprintRecord& rec = records[i];
    const SchemaForm& form = live.schemas[i];
    CheckResult r;
    r.kind = CheckKind::kDrift;
    r.name = "drift." + rec.schema;
    r.edge_from = rec.edge_from;
    r.edge_to = rec.edge_to;
    r.description = "schema '" + rec.schema + "' against its fingerprint recorded after " +
                    (rec.edge_from.empty() ? std::string("(empty)") : rec.edge_from) + " -> " + rec.edge_to;
    r.passed = form.fingerprint == rec.fingerprint;
    if (r.passed) {
      r.message = "matches " + rec.fingerprint;
    } else {
      CHIMP_ASSIGN_OR_RETURN(std::string recorded, changelog.RecordedForm(rec.schema, rec.fingerprint));
      r.message = "schema '" + rec.schema + "' is " + form.fingerprint + ", recorded " + rec.fingerprint + " (run " +
                  rec.run_id + ", " + rec.recorded_at + ")";
      if (recorded.empty()) {
        r.message += "; the recorded form is not stored, so the differences cannot be named";
      }
      for (const SchemaDifference& d : CompareForms(recorded, form.canonical)) {
        r.message += "; " + d.Describe(rec.schema);
      }
    }
    out->push_back(std::move(r));
  }
  return Status::Ok();
}

Status DriftVerdict(const std::vector<CheckResult>& results) {
  std::string failed;
  for (const CheckResult& r : results) {
    if (!r.passed) failed += "; " + r.message;
  }
  if (failed.empty()) return Status::Ok();
  return Status::FailedPrecondition(
      "drift: the live schema differs from the one recorded after the last edge, so the plan's steps may not "
      "do what they were written for; nothing was written" +
      failed +
      ". Undo the hand-made change, or run migrate --accept-drift to go on with the schema as it is "
      "(doc/operations.md, \"Drift\")");
}

namespace {

// The installed edges applied on the route to `current`, oldest first: from
// `current` back, the edge into each version whose steps have the newest
// success rows, until the empty version or a version no applied edge
// reaches (a baseline).
std::vector<const Edge*> AppliedRoute(const Catalog& catalog, const std::vector<ChangelogEntry>& entries,
                                      const Version& current) {
  std::map<const Edge*, int64_t> newest;  // applied edge -> its newest success row
  for (const ChangelogEntry& e : entries) {
    if (e.status != StepStatus::kSuccess || IsEngineRow(e)) continue;
    const Edge* edge = nullptr;
    if (catalog.FindStep(e.step_id, &edge) == nullptr || edge == nullptr) continue;
    int64_t& id = newest[edge];
    if (e.id > id) id = e.id;
  }
  std::vector<const Edge*> route;
  Version at = current;
  while (!at.empty() && route.size() < newest.size()) {
    const Edge* into = nullptr;
    for (const auto& [edge, id] : newest) {
      if (edge->to == at && (into == nullptr || id > newest[into])) into = edge;
    }
    if (into == nullptr) break;
    route.insert(route.begin(), into);
    at = into->from;
  }
  return route;
}

// The trailing checks of `edge` (check steps after its last step of another
// kind) that succeeded and are not pre-flight checks, in step order.
std::vector<const Step*> TrailingChecks(const Edge& edge, const ChangelogHistory& history) {
  std::vector<const Step*> out;
  for (auto it = edge.steps.rbegin(); it != edge.steps.rend() && it->kind == StepKind::kCheck; ++it) {
    if (!it->preflight && history.IsApplied(it->id)) out.insert(out.begin(), &*it);
  }
  return out;
}

CheckResult ChangelogResult(std::string name, std::string description) {
  CheckResult r;
  r.kind = CheckKind::kChangelog;
  r.name = std::move(name);
  r.description = std::move(description);
  return r;
}

// The changelog's health as `validate` judges it: one failed result per
// failed or running step and per checksum mismatch, or one passed result
// for each of the two.
void AddHealth(const Catalog& catalog, const ValidationReport& v, std::vector<CheckResult>* out) {
  for (const ChangelogEntry& e : v.unfinished) {
    CheckResult r = ChangelogResult("changelog.unfinished", "step '" + e.step_id + "'");
    r.edge_from = e.edge_from;
    r.edge_to = e.edge_to;
    r.plugin_file = e.plugin_file;
    r.message = "step '" + e.step_id + "' " + (e.status == StepStatus::kRunning ? "is running" : "failed") + " after " +
                std::to_string(e.statement_index) + " of " + std::to_string(e.statement_count) +
                " statements (changelog row " + std::to_string(e.id) + ", run " + e.run_id + "): " + e.error;
    out->push_back(std::move(r));
  }
  if (v.unfinished.empty()) {
    CheckResult r = ChangelogResult("changelog.unfinished", "no failed or running step");
    r.passed = true;
    out->push_back(std::move(r));
  }
  for (const ChecksumMismatch& m : v.mismatches) {
    CheckResult r = ChangelogResult("changelog.checksums", "step '" + m.step_id + "'");
    const Edge* edge = nullptr;
    if (catalog.FindStep(m.step_id, &edge) != nullptr && edge != nullptr) {
      r.edge_from = edge->from.ToString();
      r.edge_to = edge->to.ToString();
    }
    r.plugin_file = m.plugin_file;
    r.message = "step '" + m.step_id + "' has checksum " + m.installed_checksum + " in plugin '" + m.plugin_file +
                "', the changelog records " + m.applied_checksum + " (row " + std::to_string(m.changelog_id) +
                ", run " + m.applied_run_id + ")";
    out->push_back(std::move(r));
  }
  if (v.mismatches.empty()) {
    CheckResult r = ChangelogResult("changelog.checksums", std::to_string(v.applied) +
                                                               (v.applied == 1 ? " applied step" : " applied steps") +
                                                               " match the installed plugins");
    r.passed = true;
    out->push_back(std::move(r));
  }
}

}  // namespace

}  // namespace internal

Result<CheckReport> RunChecks(const EngineOptions& options, const PlanRequest& request) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, internal::TargetNeeds::WithCatalog()));
  CheckReport report;
  report.database = options.database;
  report.catalog = std::move(target.catalog);
  const Catalog& catalog = *report.catalog;
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options, catalog, *target.changelog));
  CHIMP_ASSIGN_OR_RETURN(report.state, target.changelog->ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, target.changelog->ReadEntries());

  ValidationReport validation;
  internal::JudgeChangelog(catalog, entries, &validation);
  internal::AddHealth(catalog, validation, &report.checks);

  internal::CheckSession session(options);
  const ChangelogHistory history(entries);
  for (const Edge* edge : internal::AppliedRoute(catalog, entries, report.state.version)) {
    for (const Step* step : internal::TrailingChecks(*edge, history)) {
      CHIMP_ASSIGN_OR_RETURN(CheckResult r, session.Run(CheckKind::kSanity, *edge, *step));
      report.checks.push_back(std::move(r));
    }
  }

  auto plan = MakePlan(catalog, report.state, entries, request);
  if (plan.ok()) {
    CHIMP_ASSIGN_OR_RETURN(auto preflight, internal::RunPreflight(options, *plan));
    report.checks.insert(report.checks.end(), preflight.begin(), preflight.end());
    report.plan = std::move(plan).value();
  } else {
    CheckResult r = internal::ChangelogResult("changelog.plan", "a plan to the target");
    r.message = plan.status().message();
    report.checks.push_back(std::move(r));
  }
  CHIMP_RETURN_IF_ERROR(internal::AddDriftChecks(*target.conn, *target.changelog, entries, &report.checks));
  return report;
}

}  // namespace chimp
