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

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp {

enum class StepStatus { kRunning, kSuccess, kFailed };
const char* StepStatusName(StepStatus status);  // "running", "success", "failed"

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
  std::string started_at;   // "YYYY-MM-DD hh:mm:ss.ffffff", server time
  std::string finished_at;  // "" while running
  int64_t duration_ms = -1; // -1 while running
  StepStatus status = StepStatus::kRunning;
  int32_t statement_index = 0;  // statements completed
  int32_t statement_count = 0;  // statements in the step (0 = unknown)
  std::string error;
  int32_t warning_count = 0;
  std::string warnings;     // the first few warning texts, one per line
  std::string executed_by;  // CURRENT_USER() of the session: user@host
  std::string engine_version;
};

// The second table: where a target database stands.
struct ChangelogState {
  bool initialized = false;  // the tables and the target's state row exist
  Version version;           // the version reached; empty before any edge
  std::string updated_at;
  std::string run_id;        // the run that last moved the version
};

class Changelog {
 public:
  // `conn` must outlive the Changelog. `schema` holds the tables; `target`
  // is the database being migrated.
  Changelog(Connection& conn, std::string schema, std::string target);

  // Creates the schema, the tables and the target's state row if missing.
  // Idempotent.
  Status EnsureTables();
  // Whether the tables exist (read-only; used by status and plan).
  Result<bool> TablesExist();

  // The target's state. When the tables or the row do not exist, returns a
  // state with initialized = false and the empty version.
  Result<ChangelogState> ReadState();
  // Every row for the target, oldest first.
  Result<std::vector<ChangelogEntry>> ReadEntries();

  // Inserts a row with status running (or the status given) and returns its
  // id. Runs on the connection as it is: inside the caller's transaction if
  // one is open.
  Result<int64_t> Insert(const ChangelogEntry& entry);
  // Records that `statement_index` statements of row `id` are done.
  Status SetStatementIndex(int64_t id, int32_t statement_index);
  // Finishes row `id` with `status`, setting finished_at and duration.
  Status Finish(int64_t id, StepStatus status, int32_t statement_index,
                const std::string& error, int32_t warning_count,
                const std::string& warnings);
  // Sets the target's version (and the run that set it).
  Status SetVersion(const Version& version, const std::string& run_id);

  // The fully qualified, quoted names, e.g. "`chimp`.`chimp_changelog`".
  std::string ChangelogTable() const;
  std::string StateTable() const;
  const std::string& schema() const { return schema_; }
  const std::string& target() const { return target_; }

 private:
  Connection& conn_;
  std::string schema_;
  std::string target_;
};

}  // namespace chimp

#endif  // CHIMP_CHANGELOG_HPP_
