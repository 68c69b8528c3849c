// The planner: from the catalog and the changelog, which steps to run next.
//
// MakePlan is pure (no I/O), so `plan`, `migrate --dry-run` and `migrate`
// share it and it is unit-tested without a server.
#ifndef CHIMP_PLANNER_HPP_
#define CHIMP_PLANNER_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp {

struct PlanRequest {
  // Default: the newest version reachable from the current one.
  std::optional<Version> target;
  // kExpand: walk the path to the target. kCleanup: run the cleanup steps of
  // every edge whose expand steps are all applied, up to the current version.
  Phase phase = Phase::kExpand;
};

struct PlannedStep {
  const Edge* edge = nullptr;
  const Step* step = nullptr;
  // Statements already done by an interrupted or failed attempt of a DDL
  // step; execution resumes after them. 0 = from the start.
  int32_t resume_from = 0;
  // The pre-image the last attempt recorded for statement `resume_from`
  // when it died with that statement in flight ("" = none; see
  // ChangelogEntry::pending_fingerprint and doc/recovery.md).
  std::string pending_fingerprint;
  // Attempts recorded before (failed or interrupted).
  int32_t previous_attempts = 0;
  // A repeatable step (edge is then its plugin's pseudo-edge, from = to =
  // the empty version), run before or after the path.
  bool repeatable = false;
  RepeatableWhen when = RepeatableWhen::kAfter;
  // Repeatables only: why it runs ("new", "changed", "the path is not empty").
  std::string reason;
  // A pre-flight check (Step::preflight) that passed before the first write
  // of this run (set by `migrate`, never by MakePlan): the executor records
  // its success row at its place in its edge without running it again.
  bool preflight_passed = false;
};

struct Plan {
  Version current;
  Version target;
  Phase phase = Phase::kExpand;
  std::vector<const Edge*> path;  // edges to walk, in order (expand)
  // Pending steps, in run order: a base edge's steps, repeatables to run
  // before the (rest of the) path, the path's steps, repeatables to run
  // after it.
  std::vector<PlannedStep> steps;
  // Edges on the path whose steps are all applied but whose version was not
  // recorded yet (a crash between the last step and the version update):
  // executing the plan only records their version.
  std::vector<std::string> notes;  // human-readable remarks (resume, ...)

  bool empty() const { return steps.empty() && current == target; }
};

// Rules:
//  - every applied (success) step still in the catalog must have the same
//    checksum, else FailedPrecondition naming the step, the plugin file and
//    both checksums;
//  - an edge from the current version with some steps applied is "in
//    progress": the path must continue through it;
//  - otherwise the path is the graph's shortest path (see graph.hpp);
//  - a step is pending when it has no success row; a DDL step whose last
//    attempt recorded statement_index k resumes at k, but only when
//    statements 1..k of the installed step are the ones that attempt ran
//    (its done_sha256 equals StatementPrefixDigests(step)[k]; a row without
//    done_sha256: its checksum equals the step's), else FailedPrecondition
//    naming the step and what the operator can do (doc/recovery.md);
//  - repeatables (expand only): when the path has pending steps, every
//    RUN_BEFORE repeatable runs before them and every RUN_AFTER one after
//    them, changed or not (the path may drop what they create: CloudStack
//    re-creates its procedures and views around every upgrade). Otherwise
//    a repeatable runs only when it never succeeded or its checksum differs
//    from the one of its last success row. Order: the base edge's steps
//    (an edge from the empty version creates what the before-ones need),
//    before-ones, the rest of the path, after-ones; within a group, plugin
//    file order, then declaration order.
//    A changed repeatable checksum is never a validation error. A DDL
//    repeatable resumes after a failed attempt only when its checksum is
//    the one that attempt ran.
// An applied step whose installed plugin has a different checksum.
struct ChecksumMismatch {
  std::string step_id;
  std::string edge;                 // "<from> -> <to>"
  std::string plugin_file;          // the installed plugin providing the step now
  std::string installed_checksum;   // what that plugin says
  std::string applied_checksum;     // what the changelog recorded
  std::string applied_plugin_file;  // the plugin file that applied it
  std::string applied_run_id;
  int64_t changelog_id = 0;  // the success row
};

// The checksum rule shared by the planner (the first mismatch stops a plan)
// and `validate` (reports them all): every step of `history` with a success
// row that an installed edge provides with another checksum, ordered by step
// id. A repeatable step re-runs when it changes, so it is never a mismatch.
// When `missing` is not null, the success rows of plugin steps no installed
// plugin provides are appended to it (engine rows are not plugin steps).
std::vector<ChecksumMismatch> FindChecksumMismatches(const Catalog& catalog, const ChangelogHistory& history,
                                                     std::vector<ChangelogEntry>* missing);

// The repeatable step (ABI 1.1) with `id` of any loaded plugin, or nullptr;
// sets *edge (when not null) to its plugin's pseudo-edge.
const Step* FindRepeatableStep(const Catalog& catalog, std::string_view id, const Edge** edge);

// The digests of the statement prefixes of a SQL step with DDL, split as
// the executor splits it when every sql_mode is a literal: [k] covers
// statements 1..k ([0] = none run), a SHA-256 chain over the statement
// texts, 64 hex digits. Empty for other steps. Errors: the splitter's (a
// script the executor alone can split, e.g. a computed sql_mode).
Result<std::vector<std::string>> StatementPrefixDigests(const Step& step);

Result<Plan> MakePlan(const Catalog& catalog, const ChangelogState& state, const std::vector<ChangelogEntry>& entries,
                      const PlanRequest& request);

}  // namespace chimp

#endif  // CHIMP_PLANNER_HPP_
