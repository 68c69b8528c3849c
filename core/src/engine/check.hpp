// Checks outside a migration's steps (chimp/check.hpp): how a check step is
// run without being recorded, the pre-flight checks of a plan, and the
// parts of `chimp check`. Private to core.
#ifndef CHIMP_ENGINE_CHECK_HPP_
#define CHIMP_ENGINE_CHECK_HPP_

#include <memory>
#include <string>
#include <vector>

#include "chimp/check.hpp"
#include "chimp/connection.hpp"
#include "chimp/engine.hpp"
#include "chimp/model.hpp"
#include "chimp/options.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// Runs check steps on a connection of its own, without writing anything:
// each on a session set up as the executor sets up a step's (reset, the
// step's database, else the target; none when it is "" or does not exist;
// then the plugin's and the step's session statements), with SET SESSION
// TRANSACTION READ ONLY first, so that a statement that would change a
// table fails. Unlike the executor it never creates a scratch database to
// leave the default one: it opens a new connection. Nothing is recorded.
// REQUIRES: `options` outlives the session. [main-thread]
class CheckSession {
 public:
  explicit CheckSession(const EngineOptions& options) : options_(options) {}

  // Runs `step` (a check) of `edge` and returns its verdict as a result of
  // `kind`: a check that is false or whose query fails is a result that did
  // not pass, with the check's or the server's message. Errors: Unavailable
  // when the server is gone; connection errors.
  Result<CheckResult> Run(CheckKind kind, const Edge& edge, const Step& step);

 private:
  Status Enter(const Edge& edge, const Step& step);
  Status Reconnect();

  const EngineOptions& options_;
  std::unique_ptr<Connection> conn_;
  bool has_database_ = false;  // the session has a default database
};

// True when planned step `ps` of `plan` is a pre-flight check that runs
// before the run: a check with Step::preflight, of any edge when the plan
// starts from a version, and only of an edge from the empty version when it
// starts from nothing (a fresh install): the data the later edges' checks
// look at is made by the run itself, so they run in their edges.
bool RunsBeforeTheRun(const Plan& plan, const PlannedStep& ps);

// Runs the pre-flight checks of `plan` (RunsBeforeTheRun), in plan order,
// against the database as it is. Errors: CheckSession::Run's (not a failed
// check).
Result<std::vector<CheckResult>> RunPreflight(const EngineOptions& options, const Plan& plan);

// OK when every result passed; else CheckFailed: "pre-flight: N of M
// checks failed; nothing was written: check 'id' of edge a -> b (plugin
// 'file'): message; ...", every failed check named.
Status PreflightVerdict(const std::vector<CheckResult>& results);

// Sets PlannedStep::preflight_passed on every step of `plan` that
// RunsBeforeTheRun.
// REQUIRES: RunPreflight(plan) passed in this run, with the lock held.
void MarkPreflightPassed(Plan* plan);

// What `validate` finds in `entries` against `catalog` (validate.cpp):
// the applied steps, checksum mismatches, missing and unfinished steps, into
// the fields of `report` of those names. `check` reports the same.
void JudgeChangelog(const Catalog& catalog, const std::vector<ChangelogEntry>& entries, ValidationReport* report);

// Drift: every schema with a fingerprint recorded for the target
// (chimp_fingerprints) against the live schema, one result each: passed
// when they match; failed otherwise, its message naming every difference
// ("db: column t.c added; db: table u removed") when the recorded form is
// stored. One passed result "drift" when nothing is recorded yet, or
// when a step's row (of `entries`, the changelog) started after the newest
// fingerprint was recorded: an edge in progress (a run that failed or was
// killed mid-edge) explains any difference, and the run that finishes it
// records the fingerprint again. Read only. Used by check, validate,
// status and migrate.
Status AddDriftChecks(Connection& conn, Changelog& changelog, const std::vector<ChangelogEntry>& entries,
                      std::vector<CheckResult>* out);

// FailedPrecondition naming each failed drift result, for migrate: "the
// live schema differs from the one recorded after the last edge ...".
Status DriftVerdict(const std::vector<CheckResult>& results);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_CHECK_HPP_
