// The changelog: the tables in the server that record every step ever run
// and the current version of each target database. It is the source of truth
// for `status`, `log`, resume and validation. doc/changelog.md documents the
// tables column by column.
//
// The tables live in their own schema (Default: "chimp"), so that a
// migration may drop and recreate its target database without losing them;
// one changelog schema serves any number of target databases, told apart by
// the `target` column.
#ifndef CHIMP_CHANGELOG_HPP_
#define CHIMP_CHANGELOG_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/fingerprint.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp {

// kRolledBack: an attempt whose effects `chimp restore` undid (the database
// went back to a backup taken before it). ChangelogHistory skips such rows:
// the step stands as it stood when the backup was taken.
enum class StepStatus { kRunning, kSuccess, kFailed, kRolledBack };
// "running", "success", "failed", "rolled_back".
const char* StepStatusName(StepStatus status);

// One row of the changelog table: one attempt at one step.
struct ChangelogEntry {
  int64_t id = 0;
  std::string run_id;
  std::string step_id;
  std::string edge_from;  // "" for the empty version
  std::string edge_to;
  Phase phase = Phase::kExpand;
  StepKind kind = StepKind::kSql;
  std::string checksum;
  std::string plugin_name;
  std::string plugin_version;
  std::string plugin_file;
  std::string description;
  std::string proposed_at;
  std::string started_at;    // "YYYY-MM-DD hh:mm:ss.ffffff", server time
  std::string finished_at;   // "" while running
  int64_t duration_ms = -1;  // -1 while running
  StepStatus status = StepStatus::kRunning;
  int32_t statement_index = 0;  // statements completed
  int32_t statement_count = 0;  // statements in the step (0 = unknown)
  std::string error;
  int32_t warning_count = 0;
  std::string warnings;     // the first few warning texts, one per line
  std::string executed_by;  // CURRENT_USER() of the session: user@host
  std::string engine_version;
  // The pre-image of statement `statement_index`, written just before that
  // statement (a DDL statement that runs alone) was sent; "" once it is
  // known to be done or not. "sha256:..." = ProbeFingerprint of the objects
  // it names; "idempotent" or "rerun" = run it again; "unknown" = only the
  // operator can tell (chimp repair --statement-done / --statement-not-done).
  // See doc/recovery.md.
  std::string pending_fingerprint;
  // The digest of statements 1..statement_index as this attempt ran them
  // (StatementPrefixDigests, planner.hpp); "" when not recorded (rows of
  // engines before done_sha256, native steps, repair's rows). The planner
  // resumes a step only where it equals the installed step's digest.
  std::string done_sha256;
  // The last progress a running native step reported (ctx.Progress), as
  // written at most every few seconds while it runs: done of total (-1:
  // none reported; total 0: unknown) and when, server time ("" none).
  int64_t progress_done = -1;
  int64_t progress_total = -1;
  std::string progress_at;
};

// A row chimp writes for itself rather than for a plugin step: its step_id
// starts with "chimp:" (e.g. "chimp:baseline"). Such rows are never a step of
// a plugin; validate and the planner ignore them.
inline constexpr const char* kEngineStepPrefix = "chimp:";
inline constexpr const char* kBaselineStepId = "chimp:baseline";
inline constexpr const char* kAdhocStepId = "chimp:adhoc";      // chimp adhoc's runs
inline constexpr const char* kRestoreStepId = "chimp:restore";  // chimp restore's runs
bool IsEngineRow(const ChangelogEntry& entry);

// The row of one attempt at `step` of `edge` by run `run_id`, before it
// runs: status running, statement 0 of 0, the step's and its plugin's
// identity (plugin fields "" when edge.plugin is null), this engine's
// version. The one place a plugin step's row is built: the executor, repair
// and the tests start from it and set statement_index, statement_count and
// pending_fingerprint themselves.
ChangelogEntry MakeEntry(const Edge& edge, const Step& step, std::string_view run_id);

// What the changelog says about one step id.
struct StepHistory {
  const ChangelogEntry* applied = nullptr;  // the latest success row, if any
  const ChangelogEntry* last = nullptr;     // the latest row
  int32_t unsuccessful = 0;                 // failed or interrupted attempts
};

// The latest attempt per step: the changelog's rows indexed by step id, for
// the planner, status, validate and repair. Rows rolled back by a restore
// (StepStatus::kRolledBack) are left out. Engine rows ("chimp:...") are
// indexed like any other; callers that judge plugin steps skip them.
// Holds pointers into `entries`. REQUIRES: `entries` (oldest first, as
// ReadEntries returns them) outlives the index and is not modified.
class ChangelogHistory {
 public:
  explicit ChangelogHistory(const std::vector<ChangelogEntry>& entries);

  // The history of `step_id`, or nullptr when it has no row.
  const StepHistory* Find(std::string_view step_id) const;
  // Whether `step_id` has a success row.
  bool IsApplied(std::string_view step_id) const;
  // Every step with a row, ordered by step id.
  const std::map<std::string, StepHistory, std::less<>>& by_id() const { return by_id_; }
  // The latest row of every step, in the order of each step's first row.
  std::vector<const ChangelogEntry*> LatestInOrder() const;

 private:
  std::map<std::string, StepHistory, std::less<>> by_id_;
  std::vector<const std::string*> first_seen_;  // keys of by_id_
};

// What `chimp repair` or `chimp baseline` did to the changelog (one row of
// chimp_repairs each). The text forms are what chimp_repairs stores.
enum class RepairKind {
  kChecksum,
  kMarkApplied,
  kMarkRolledBack,
  kStatementDone,
  kStatementNotDone,
  kBaseline,
  kRestore
};
// "checksum", "mark-applied", "mark-rolled-back", "statement-done",
// "statement-not-done", "baseline", "restore".
const char* RepairKindName(RepairKind kind);

// One row of chimp_repairs: one change `chimp repair` or `chimp baseline`
// made to the changelog, kept as an audit trail (doc/changelog.md).
struct RepairRecord {
  int64_t id = 0;
  std::string run_id;        // the repair run
  std::string action;        // RepairKindName(): "checksum", "mark-applied", ... "baseline"
                             // (text: a later engine may record kinds this one does not know)
  std::string step_id;       // "" for baseline
  int64_t changelog_id = 0;  // the chimp_changelog row changed or added (0: none)
  std::string old_value;     // e.g. the old checksum
  std::string new_value;     // e.g. the new checksum
  std::string note;          // why, in words
  std::string executed_by;   // USER() of the session
  std::string executed_at;   // server time
};

// One row of chimp_backups: one `migrate --backup` dump attempt.
struct BackupRecord {
  int64_t id = 0;
  std::string run_id;  // the migrate run that took it
  std::string status;  // "success" or "failed"
  std::string file;    // absolute path of the dump; "" when nothing was dumped
  int64_t size_bytes = 0;
  std::string databases;    // the databases dumped, comma-separated ("" = none existed)
  std::string binlog_file;  // SHOW MASTER STATUS before the dump; "" when binlog is off
  int64_t binlog_position = -1;
  std::string gtid_position;      // @@gtid_binlog_pos (MariaDB) or @@gtid_executed (MySQL)
  std::string version;            // the target's version when the dump was taken
  int64_t changelog_last_id = 0;  // highest chimp_changelog id of the target then
  std::string tool;               // the dump command (no secrets)
  std::string started_at;
  std::string finished_at;
  std::string error;  // why it failed; notes (e.g. binlog not visible) on success
  std::string executed_by;
};

// One row of chimp_fingerprints: the fingerprint of one schema after one
// edge of a run (doc/changelog.md).
struct FingerprintRecord {
  int64_t id = 0;
  std::string run_id;
  std::string edge_from;    // "" for the empty version
  std::string edge_to;      // the version reached
  std::string schema;       // the schema fingerprinted
  std::string fingerprint;  // "sha256:<hex>" (chimp/fingerprint.hpp)
  std::string recorded_at;
};

// The second table: where a target database stands.
struct ChangelogState {
  bool initialized = false;  // the tables and the target's state row exist
  Version version;           // the version reached; empty before any edge
  std::string updated_at;
  std::string run_id;  // the run that last moved the version
};

class Changelog {
 public:
  // `conn` must outlive the Changelog. `schema` holds the tables; `target`
  // is the database being migrated.
  Changelog(Connection& conn, std::string schema, std::string target);

  // Creates the schema, the tables (chimp_changelog, chimp_state,
  // chimp_repairs, chimp_backups, chimp_fingerprints) and the target's
  // state row if missing, and upgrades older tables in place.
  // Idempotent.
  Status EnsureTables();
  // Whether the tables exist (read-only; used by status and plan).
  Result<bool> TablesExist();
  // True when every table and column EnsureTables creates exists (the
  // newest layout), so that rows can be written without EnsureTables.
  Result<bool> TablesAreNewest();

  // The target's state. When the tables or the row do not exist, returns a
  // state with initialized = false and the empty version.
  Result<ChangelogState> ReadState();
  // Every row for the target, oldest first.
  Result<std::vector<ChangelogEntry>> ReadEntries();

  // Inserts a row with status running (or the status given) and returns its
  // id. Runs on the connection as it is: inside the caller's transaction if
  // one is open.
  Result<int64_t> Insert(const ChangelogEntry& entry);
  // Inserts a row already finished: its status, statement_index, error,
  // warnings and pending_fingerprint as `entry` says, finished now after
  // `duration_ms`; one write where Insert and Finish take two. Returns its
  // id. Runs inside the caller's transaction if one is open.
  Result<int64_t> InsertFinished(const ChangelogEntry& entry, int64_t duration_ms);
  // Inserts the rows `entries`, each `running` (or the status it gives),
  // in one statement (one commit, with any deferred finish), and returns
  // their ids in order. The run inserts the rows of consecutive one-DDL
  // steps this way, each with its pre-image (doc/recovery.md, "Steps
  // written together"). Runs inside the caller's transaction if one is open.
  Result<std::vector<int64_t>> InsertAll(const std::vector<ChangelogEntry>& entries);
  // Deletes rows InsertAll wrote for steps the run then never started (a
  // step before them failed, or the run was stopped). Best left to the
  // run that wrote them: a row left `running` is closed as interrupted
  // and its pre-image decided by the next run like any other.
  Status DeleteRows(const std::vector<int64_t>& ids);
  // Records that `statement_index` statements of row `id` are done.
  // Also clears pending_fingerprint.
  Status SetStatementIndex(int64_t id, int32_t statement_index);

  // Corrects the statement count of row `id` (the executor, when splitting
  // while executing found another number than the split up front).
  Status SetStatementCount(int64_t id, int32_t statement_count);

  // Records, in one update, that `statement_index` statements of row `id`
  // are done and that statement `statement_index` is about to run, with its
  // pre-image (ChangelogEntry::pending_fingerprint).
  Status SetPending(int64_t id, int32_t statement_index, const std::string& pending_fingerprint);
  // Finishes row `id` with `status`, setting finished_at and duration.
  Status Finish(int64_t id, StepStatus status, int32_t statement_index, const std::string& error, int32_t warning_count,
                const std::string& warnings);
  // Records that row `id` succeeded after `statement_index` statements, to
  // be written by this Changelog's next write: an Insert or InsertFinished
  // carries it in the same statement (one commit where two were), any other
  // write writes it first, and so does FlushFinish. For a DDL step whose
  // every statement a resume decides by looking (doc/recovery.md,
  // "Deferred finish"): if chimp dies first, the row still says `running`
  // and the resume finds each statement took effect. Several may wait (the
  // steps of rows InsertAll wrote together); a write that is not an
  // insert writes them first in the same transaction, so one commit
  // carries them and the write.
  Status DeferFinish(int64_t id, int32_t statement_index, int32_t warning_count, const std::string& warnings);
  // Writes the deferred finishes now, if there are any (one commit). Call
  // before a transaction begins: a finish written inside one that rolls
  // back would be lost.
  Status FlushFinish();
  // From now on, every write of statement_index k to a row this Changelog
  // inserts for step `step_id` (Insert, SetStatementIndex, SetPending,
  // Finish) also records done_sha256 = digests[k] (StatementPrefixDigests:
  // the digest of statements 1..k), NULL past its end. Rows of steps not
  // tracked keep done_sha256 NULL.
  void TrackStatements(const std::string& step_id, std::vector<std::string> digests);
  // Marks the rows a dead run left `running` as `failed` ("interrupted:
  // ..."), keeping them as history. REQUIRES: the migration lock is held,
  // so no live run owns them.
  Status CloseInterrupted();
  // Sets the target's version (and the run that set it).
  Status SetVersion(const Version& version, const std::string& run_id);
  // The AUTO_INCREMENT counters of the tables the transaction in flight
  // inserts into, as they were before it began (chimp_state
  // autoinc_checkpoint; format and use: core/src/recovery/counters.hpp,
  // doc/recovery.md). "" clears it. Runs on the connection as it is: inside
  // the caller's transaction if one is open. REQUIRES: EnsureTables().
  Status SetCounterCheckpoint(const std::string& checkpoint);
  // The checkpoint recorded for the target; "" when none.
  Result<std::string> ReadCounterCheckpoint();

  // The fully qualified, quoted names, e.g. "`chimp`.`chimp_changelog`".
  std::string ChangelogTable() const;
  std::string StateTable() const;
  std::string RepairsTable() const;  // chimp_repairs
  std::string BackupsTable() const;  // chimp_backups

  // Maintenance (validate, repair, baseline, backup) -----------------------

  // Sets the checksum of row `id` (chimp repair --checksums).
  Status SetChecksum(int64_t id, const std::string& checksum);
  // Marks every plugin-step row of the target with an id above `after_id`
  // that is not rolled back yet as rolled_back, its error saying `why`
  // (chimp restore). Engine rows ("chimp:...") are left as they are.
  // Returns how many rows changed. Runs inside the caller's transaction if
  // one is open.
  Result<int64_t> MarkRolledBackAfter(int64_t after_id, const std::string& why);
  // Records `entry` as the target's baseline row: kind 'baseline', status
  // success, nothing run (chimp baseline). Returns its id. Runs inside the
  // caller's transaction if one is open.
  Result<int64_t> InsertBaseline(const ChangelogEntry& entry);
  // The highest chimp_changelog id of the target (0 when none).
  Result<int64_t> LastEntryId();

  // chimp_repairs (core/src/changelog/repairs.cpp) ---------------------------

  // Appends an audit row to chimp_repairs. REQUIRES: EnsureTables().
  Result<int64_t> InsertRepair(const RepairRecord& record);
  // Every chimp_repairs row of the target, oldest first; none when the
  // table does not exist.
  Result<std::vector<RepairRecord>> ReadRepairs();

  // chimp_fingerprints (core/src/changelog/fingerprints.cpp) ---------------

  // Appends one row per form (run `run_id`, after edge `from` -> `to`),
  // in one statement. The canonical text is stored (compressed) only when
  // the fingerprint differs from the one last stored for that schema, so
  // that edges that change nothing cost a row of a few bytes. Runs on the
  // connection as it is. REQUIRES: EnsureTables().
  Status RecordFingerprints(const std::string& run_id, const Version& from, const Version& to,
                            const std::vector<SchemaForm>& forms);
  // The schemas with a fingerprint recorded for the target, by name (read
  // once per Changelog, then kept up to date by RecordFingerprints).
  Result<std::vector<std::string>> RecordedSchemas();
  // The newest row of every schema recorded for the target, by schema
  // name; none when the table does not exist (a changelog from before
  // engine 0.x that no migrate has upgraded yet).
  Result<std::vector<FingerprintRecord>> LatestFingerprints();
  // The canonical text recorded with `fingerprint`, for `schema` of the
  // target or, since a form does not name its schema, for any schema of
  // any target in this changelog; "" when none is stored.
  Result<std::string> RecordedForm(const std::string& schema, const std::string& fingerprint);
  std::string FingerprintsTable() const;  // chimp_fingerprints

  // chimp_backups (core/src/changelog/backups.cpp) ---------------------------

  // Appends a row to chimp_backups (started_at = finished_at = now when
  // record.started_at is empty). REQUIRES: EnsureTables().
  Result<int64_t> InsertBackup(const BackupRecord& record);
  // Every chimp_backups row of the target, oldest first; none when the
  // table does not exist.
  Result<std::vector<BackupRecord>> ReadBackups();

  const std::string& schema() const { return schema_; }
  const std::string& target() const { return target_; }

 private:
  // Creates what is missing of the changelog schema (EnsureTables).
  Status CreateTables();
  // CREATE TABLE IF NOT EXISTS of chimp_repairs and chimp_backups (EnsureTables).
  Status EnsureRepairsTable();
  Status EnsureBackupsTable();
  Status EnsureFingerprintsTable();
  // Runs an INSERT and returns the id it generated.
  Result<int64_t> InsertRow(const std::string& sql, std::span<const Value> params, const std::string& context);
  // Insert and InsertFinished (duration_ms >= 0).
  Result<int64_t> InsertEntry(const ChangelogEntry& entry, int64_t duration_ms);
  // Insert, InsertFinished and InsertAll: one INSERT of every entry (each
  // finished `duration_ms` ago when >= 0) and the deferred finishes.
  Result<std::vector<int64_t>> InsertEntries(const std::vector<ChangelogEntry>& entries, int64_t duration_ms);
  // The VALUES tuple of `e` for InsertEntries; `values` gets the values
  // the tuple holds, in column order (for DeferredFinishRow).
  std::string EntryTuple(const ChangelogEntry& e, int64_t duration_ms, std::vector<Value>* values) const;
  // The ids InsertEntries generated for `entries`, the first being
  // `first`: read back, since concurrent inserts (other targets' runs)
  // may interleave the counter's values.
  Result<std::vector<int64_t>> InsertedIds(const std::vector<ChangelogEntry>& entries, int64_t first);
  // Runs `write` after the deferred finishes, in the same commit: inside a
  // transaction of its own unless one is open.
  Status AfterFinish(const std::function<Status()>& write);
  // `sql` with each `?` replaced by the literal of the next value, for the
  // text protocol (one round trip; a prepared statement takes three).
  std::string Inline(std::string_view sql, std::span<const Value> params) const;

  // Finish, for a step that ended `ago_us` microseconds ago.
  Status FinishRow(int64_t id, StepStatus status, int32_t statement_index, const std::string& error,
                   int32_t warning_count, const std::string& warnings, int64_t ago_us);
  // A row of an INSERT ... ON DUPLICATE KEY UPDATE that also writes
  // deferred finish `d`, `filler` being the first row's values for the
  // columns the update leaves alone.
  struct DeferredFinish;
  std::string DeferredFinishRow(const DeferredFinish& d, std::span<const Value> filler) const;

  // A success DeferFinish recorded and no write has carried yet.
  struct DeferredFinish {
    int64_t id = 0;
    int32_t statement_index = 0;
    int32_t warning_count = 0;
    std::string warnings;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<DeferredFinish> deferred_;  // in the order they were deferred

  // The done_sha256 literal for statement_index `k` of row `id`: "NULL"
  // unless the row's step is tracked (TrackStatements).
  std::string DoneDigestSql(int64_t id, int32_t k) const;

  Connection& conn_;
  std::string schema_;
  std::string target_;
  std::map<std::string, std::vector<std::string>> step_digests_;    // by step id
  std::map<int64_t, const std::vector<std::string>*> row_digests_;  // by row id, into step_digests_
  // RecordFingerprints: the fingerprint whose canonical text is stored
  // last, by schema (read once per Changelog, then kept).
  std::optional<std::map<std::string, std::string>> stored_forms_;
};

}  // namespace chimp

#endif  // CHIMP_CHANGELOG_HPP_
