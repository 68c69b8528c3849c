// chimp repair: the operator's answers to what a failed or interrupted run
// left behind, and re-recorded checksums (engine.hpp; doc/operations.md,
// doc/recovery.md).
#include <map>
#include <string>

#include "changelog/row_reader.hpp"
#include "chimp/engine.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "exec/fingerprint_record.hpp"
#include "recovery/pre_image.hpp"

namespace chimp {

namespace {

// InvalidArgument naming a step given to both `first` and `second`.
Status CheckDisjoint(const std::vector<std::string>& a, const char* first, const std::vector<std::string>& b,
                     const char* second) {
  for (const std::string& id : a) {
    for (const std::string& other : b) {
      if (id == other) {
        return Status::InvalidArgument("repair: step '" + id + "' is given to both --" + first + " and --" + second);
      }
    }
  }
  return Status::Ok();
}

Status CheckRequest(const RepairRequest& request) {
  if (!request.checksums && request.mark_applied.empty() && request.mark_rolled_back.empty() &&
      request.statement_done.empty() && request.statement_not_done.empty()) {
    return Status::InvalidArgument(
        "repair: nothing asked: give --checksums, --mark-applied STEP, --mark-rolled-back STEP, "
        "--statement-done STEP or --statement-not-done STEP");
  }
  CHIMP_RETURN_IF_ERROR(
      CheckDisjoint(request.statement_done, "statement-done", request.statement_not_done, "statement-not-done"));
  return CheckDisjoint(request.mark_applied, "mark-applied", request.mark_rolled_back, "mark-rolled-back");
}

std::string Flag(RepairKind kind) { return "repair --" + std::string(RepairKindName(kind)); }

// One change repair is about to make.
struct PendingRepair {
  RepairAction action;
  const Edge* edge = nullptr;
  const Step* step = nullptr;
  const ChangelogEntry* row = nullptr;  // the row changed, or the last attempt
  std::string installed_checksum;
};

// The changes of one repair run: worked out from the request, shown, then
// applied in one transaction with an audit row each. REQUIRES: `target`
// holds the lock and the catalog; `entries` outlives the run.
class RepairRun {
 public:
  RepairRun(internal::Target& target, const std::vector<ChangelogEntry>& entries)
      : target_(target), catalog_(*target.catalog), history_(entries) {}

  Status Resolve(const RepairRequest& request);
  std::vector<RepairAction> Actions() const;
  Status Apply();

 private:
  Status AddChecksums();
  // Why the schema recorded after the edge of `m`'s step says the
  // installed step never ran; "" when it does not (see AddChecksums).
  Result<std::string> WhyNotSchema(const ChecksumMismatch& m) const;
  Status AddStep(const std::string& id, RepairKind kind);
  Status DescribeStatement(PendingRepair* p) const;
  void DescribeMark(PendingRepair* p) const;
  // The change of `p` made; returns its audit row (run, action and step
  // are filled by Apply).
  Result<RepairRecord> ApplyOne(const PendingRepair& p);
  Result<RepairRecord> ApplyChecksum(const PendingRepair& p);
  Result<RepairRecord> ApplyStatement(const PendingRepair& p);
  Result<RepairRecord> ApplyMark(const PendingRepair& p);
  // Adds the row that carries the answer for the step of `p`: finished at
  // `statement_index`, success (`note` as its warnings) or failed (`note`
  // as its error). Returns its id.
  Result<int64_t> InsertAnswer(const PendingRepair& p, int32_t statement_index, bool success, const std::string& note);

  internal::Target& target_;
  const Catalog& catalog_;
  const ChangelogHistory history_;
  std::vector<PendingRepair> pending_;
};

Status RepairRun::Resolve(const RepairRequest& request) {
  if (request.checksums) CHIMP_RETURN_IF_ERROR(AddChecksums());
  for (const std::string& id : request.mark_applied) CHIMP_RETURN_IF_ERROR(AddStep(id, RepairKind::kMarkApplied));
  for (const std::string& id : request.mark_rolled_back) {
    CHIMP_RETURN_IF_ERROR(AddStep(id, RepairKind::kMarkRolledBack));
  }
  for (const std::string& id : request.statement_done) {
    CHIMP_RETURN_IF_ERROR(AddStep(id, RepairKind::kStatementDone));
  }
  for (const std::string& id : request.statement_not_done) {
    CHIMP_RETURN_IF_ERROR(AddStep(id, RepairKind::kStatementNotDone));
  }
  return Status::Ok();
}

std::vector<RepairAction> RepairRun::Actions() const {
  std::vector<RepairAction> out;
  for (const PendingRepair& p : pending_) out.push_back(p.action);
  return out;
}

// Why re-recording the checksum of `m` would hide a changed step that was
// never applied; "" when it would not. `by_hand` maps the changelog rows
// repair wrote as success to the repair that wrote them.
std::string WhyNotRecorded(const ChecksumMismatch& m, const StepHistory& h,
                           const std::map<int64_t, std::string>& by_hand) {
  const ChangelogEntry& applied = *h.applied;
  const std::string row = "changelog row " + std::to_string(applied.id);
  if (h.last != h.applied) {
    return "step '" + m.step_id + "': its " + row + " (success) is followed by a later attempt, row " +
           std::to_string(h.last->id) + " (" + StepStatusName(h.last->status) +
           "): the step as installed has not run to the end since, so its new checksum would claim an "
           "application that never happened";
  }
  auto it = by_hand.find(applied.id);
  if (it != by_hand.end()) {
    return "step '" + m.step_id + "': its " + row + " was written by chimp repair --" + it->second +
           " (the operator completed the step by hand), not by running it: the changed step was never "
           "applied, so its new checksum would record what nobody ran";
  }
  return "";
}

// A changed step whose edge declares the fingerprint its version must have
// (Edge::target_fingerprint): when the schema recorded after the edge ran
// is not the declared one, the step that ran is not the installed one in
// effect, whatever the checksum says, and re-recording would hide it.
Result<std::string> RepairRun::WhyNotSchema(const ChecksumMismatch& m) const {
  const Edge* edge = nullptr;
  if (catalog_.FindStep(m.step_id, &edge) == nullptr || edge == nullptr || edge->target_fingerprint.empty()) {
    return std::string();
  }
  auto declared = internal::ParseDeclaredFingerprints(edge->target_fingerprint);
  if (!declared.ok()) return std::string();
  Changelog& changelog = *target_.changelog;
  std::string why;
  for (const auto& [name, fingerprint] : *declared) {
    const std::string schema = name.empty() ? changelog.target() : name;
    const Value params[] = {Value::Text(changelog.target()), Value::Text(schema), Value::Text(edge->from.ToString()),
                            Value::Text(edge->to.ToString())};
    auto recorded = internal::ReadRowsIfTable<std::string>(
        *target_.conn, changelog.schema(), "chimp_fingerprints",
        "SELECT fingerprint FROM " + changelog.FingerprintsTable() +
            " WHERE target = ? AND schema_name = ? AND edge_from = ? AND edge_to = ? ORDER BY id DESC LIMIT 1",
        params, [](internal::RowReader& r) { return r.Text(); });
    if (!recorded.ok()) return recorded.status();
    if (recorded->empty() || recorded->front() == fingerprint) continue;
    why += "\n  step '" + m.step_id + "': its edge " + edge->Name() + " declares schema '" + schema + "' to be " +
           fingerprint + " after it, and the schema recorded after the edge ran is " + recorded->front() +
           ": the changed step's effect is not in the database, so its new checksum would record what nobody ran";
  }
  return why;
}

Status RepairRun::AddChecksums() {
  CHIMP_ASSIGN_OR_RETURN(auto repairs, target_.changelog->ReadRepairs());
  std::map<int64_t, std::string> by_hand;
  for (const RepairRecord& r : repairs) {
    const bool marks_success = r.action == RepairKindName(RepairKind::kMarkApplied) ||
                               (r.action == RepairKindName(RepairKind::kStatementDone) && r.new_value == "success");
    if (marks_success && r.changelog_id > 0) by_hand[r.changelog_id] = r.action;
  }
  std::string refused;
  for (const ChecksumMismatch& m : FindChecksumMismatches(catalog_, history_, nullptr)) {
    const StepHistory& h = *history_.Find(m.step_id);
    if (std::string why = WhyNotRecorded(m, h, by_hand); !why.empty()) {
      refused += "\n  " + why;
      continue;
    }
    CHIMP_ASSIGN_OR_RETURN(std::string schema_why, WhyNotSchema(m));
    if (!schema_why.empty()) {
      refused += schema_why;
      continue;
    }
    PendingRepair p;
    p.action = {RepairKind::kChecksum, m.step_id,
                m.applied_checksum + " -> " + m.installed_checksum + " (" + m.plugin_file + ")"};
    p.row = h.applied;
    p.installed_checksum = m.installed_checksum;
    pending_.push_back(std::move(p));
  }
  if (refused.empty()) return Status::Ok();
  return Status::FailedPrecondition(
      "repair --checksums refused, nothing changed: re-recording a checksum says the installed step is the one "
      "that ran, which is not so here:" +
      refused +
      "\nInstall the plugin release whose step ran; or, for the changed step to take effect, restore a backup "
      "taken before the step (chimp restore) and let migrate run it as installed");
}

Status RepairRun::AddStep(const std::string& id, RepairKind kind) {
  PendingRepair p;
  p.step = catalog_.FindStep(id, &p.edge);
  if (p.step == nullptr) p.step = FindRepeatableStep(catalog_, id, &p.edge);
  if (p.step == nullptr || p.edge == nullptr) {
    return Status::FailedPrecondition(Flag(kind) + ": step '" + id + "' is not provided by any installed plugin");
  }
  const bool repeatable = FindRepeatableStep(catalog_, id, nullptr) != nullptr;
  const StepHistory* h = history_.Find(id);
  if (h != nullptr && h->applied != nullptr && (!repeatable || h->last == h->applied)) {
    return Status::FailedPrecondition(Flag(kind) + ": step '" + id + "' is already applied (changelog row " +
                                      std::to_string(h->applied->id) + ", run " + h->applied->run_id + ")");
  }
  if (h == nullptr || h->last == nullptr) {
    return Status::FailedPrecondition(Flag(kind) + ": step '" + id +
                                      "' has no failed or interrupted attempt to resolve (it is only pending)");
  }
  p.row = h->last;
  p.action.action = kind;
  p.action.step_id = id;
  if (kind == RepairKind::kStatementDone || kind == RepairKind::kStatementNotDone) {
    CHIMP_RETURN_IF_ERROR(DescribeStatement(&p));
  } else {
    DescribeMark(&p);
  }
  pending_.push_back(std::move(p));
  return Status::Ok();
}

Status RepairRun::DescribeStatement(PendingRepair* p) const {
  const ChangelogEntry& row = *p->row;
  if (row.pending_fingerprint.empty()) {
    return Status::FailedPrecondition(Flag(p->action.action) + ": step '" + p->action.step_id +
                                      "': its last attempt (changelog row " + std::to_string(row.id) +
                                      ") has no statement in doubt; use --mark-applied or --mark-rolled-back instead");
  }
  const std::string at =
      "statement " + std::to_string(row.statement_index + 1) + " (pre-image " + row.pending_fingerprint + ")";
  if (p->action.action == RepairKind::kStatementNotDone) {
    p->action.detail = at + " -> not done (next migrate runs it again)";
  } else if (p->step->kind == StepKind::kNative) {
    p->action.detail = at + " -> applied (the native step took effect)";
  } else {
    p->action.detail = at + " -> done (next migrate goes on after it)";
  }
  return Status::Ok();
}

void RepairRun::DescribeMark(PendingRepair* p) const {
  const ChangelogEntry& row = *p->row;
  const std::string was = std::string(row.status == StepStatus::kRunning ? "interrupted" : "failed") +
                          " at statement " + std::to_string(row.statement_index + 1) +
                          (row.statement_count > 0 ? " of " + std::to_string(row.statement_count) : "");
  p->action.detail =
      was + (p->action.action == RepairKind::kMarkApplied ? " -> applied (completed by hand)"
                                                          : " -> rolled back (next migrate starts at statement 1)");
}

Status RepairRun::Apply() {
  Changelog& changelog = *target_.changelog;
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  return internal::InTransaction(*target_.conn, [&]() -> Status {
    for (const PendingRepair& p : pending_) {
      Result<RepairRecord> audit = ApplyOne(p);
      if (!audit.ok()) return audit.status();
      audit->run_id = target_.run_id;
      audit->action = RepairKindName(p.action.action);
      audit->step_id = p.action.step_id;
      CHIMP_RETURN_IF_ERROR(changelog.InsertRepair(*audit).status());
    }
    return Status::Ok();
  });
}

Result<RepairRecord> RepairRun::ApplyOne(const PendingRepair& p) {
  switch (p.action.action) {
    case RepairKind::kChecksum: return ApplyChecksum(p);
    case RepairKind::kStatementDone:
    case RepairKind::kStatementNotDone: return ApplyStatement(p);
    case RepairKind::kMarkApplied:
    case RepairKind::kMarkRolledBack:
    case RepairKind::kBaseline:
    case RepairKind::kRestore: break;
  }
  return ApplyMark(p);
}

Result<RepairRecord> RepairRun::ApplyChecksum(const PendingRepair& p) {
  CHIMP_RETURN_IF_ERROR(target_.changelog->SetChecksum(p.row->id, p.installed_checksum));
  RepairRecord audit;
  audit.changelog_id = p.row->id;
  audit.old_value = p.row->checksum;
  audit.new_value = p.installed_checksum;
  audit.note = "re-recorded the checksum of the applied step to the installed plugin's value";
  return audit;
}

Result<int64_t> RepairRun::InsertAnswer(const PendingRepair& p, int32_t statement_index, bool success,
                                        const std::string& note) {
  Changelog& changelog = *target_.changelog;
  ChangelogEntry entry = MakeEntry(*p.edge, *p.step, target_.run_id);
  entry.statement_count = p.row->statement_count;
  entry.statement_index = statement_index;
  CHIMP_ASSIGN_OR_RETURN(int64_t id, changelog.Insert(entry));
  CHIMP_RETURN_IF_ERROR(changelog.Finish(id, success ? StepStatus::kSuccess : StepStatus::kFailed, statement_index,
                                         success ? "" : note, 0, success ? note : ""));
  return id;
}

// A new row carries the answer: the planner resumes from the last attempt
// (doc/recovery.md).
Result<RepairRecord> RepairRun::ApplyStatement(const PendingRepair& p) {
  const ChangelogEntry& row = *p.row;
  const bool done = p.action.action == RepairKind::kStatementDone;
  const bool success = done && p.step->kind == StepKind::kNative;
  const int32_t index = done ? (success ? row.statement_count : row.statement_index + 1) : row.statement_index;
  const std::string statement = std::to_string(row.statement_index + 1);
  const std::string note = done ? "resolved by chimp repair --statement-done: the operator found that statement " +
                                      statement + " took effect"
                                : "resolved by chimp repair --statement-not-done: the operator found that statement " +
                                      statement + " did not take effect; the next migrate runs it";
  CHIMP_ASSIGN_OR_RETURN(int64_t id, InsertAnswer(p, index, success, note));
  if (!done)
    CHIMP_RETURN_IF_ERROR(target_.changelog->SetPending(
        id, index, internal::EncodePreImage(internal::PreImage{internal::PreImage::Kind::kRerun, {}})));
  RepairRecord audit;
  audit.changelog_id = id;
  audit.old_value = std::string(StepStatusName(row.status)) + " at statement index " +
                    std::to_string(row.statement_index) + ", pre-image " + row.pending_fingerprint + " (row " +
                    std::to_string(row.id) + ")";
  audit.new_value = success ? std::string("success")
                            : "failed at statement index " + std::to_string(index) + (done ? "" : ", pre-image rerun");
  audit.note = note;
  return audit;
}

Result<RepairRecord> RepairRun::ApplyMark(const PendingRepair& p) {
  const ChangelogEntry& row = *p.row;
  const bool applied = p.action.action == RepairKind::kMarkApplied;
  const std::string note =
      applied ? "marked applied by chimp repair --mark-applied: the operator completed the step by hand"
              : "rolled back by chimp repair --mark-rolled-back: the operator undid the step's partial "
                "changes; the next migrate starts it from statement 1";
  CHIMP_ASSIGN_OR_RETURN(int64_t id, InsertAnswer(p, applied ? row.statement_count : 0, applied, note));
  RepairRecord audit;
  audit.changelog_id = id;
  audit.old_value = std::string(StepStatusName(row.status)) + " at statement index " +
                    std::to_string(row.statement_index) + " (row " + std::to_string(row.id) + ")";
  audit.new_value = applied ? "success" : "failed at statement index 0";
  audit.note = note;
  return audit;
}

}  // namespace

Result<RepairReport> Repair(const EngineOptions& options, const RepairRequest& request,
                            const std::function<bool(const std::vector<RepairAction>&)>& confirm,
                            std::function<void(const LockHolder&)> on_wait) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  CHIMP_RETURN_IF_ERROR(CheckRequest(request));
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, internal::TargetNeeds::Locked(std::move(on_wait))));
  RepairReport report;
  report.run_id = target.run_id;
  CHIMP_ASSIGN_OR_RETURN(bool exists, target.changelog->TablesExist());
  if (!exists) {
    return Status::FailedPrecondition("repair: the changelog schema '" + options.changelog_schema +
                                      "' has no changelog tables yet: there is nothing to repair for '" +
                                      options.database + "'");
  }
  CHIMP_RETURN_IF_ERROR(target.changelog->EnsureTables());
  CHIMP_ASSIGN_OR_RETURN(auto entries, target.changelog->ReadEntries());
  RepairRun run(target, entries);
  CHIMP_RETURN_IF_ERROR(run.Resolve(request));
  report.actions = run.Actions();
  if (report.actions.empty() || !confirm || !confirm(report.actions)) return report;
  CHIMP_RETURN_IF_ERROR(run.Apply());
  report.applied = true;
  return report;
}

}  // namespace chimp
