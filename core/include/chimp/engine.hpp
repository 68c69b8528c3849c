// The engine facade: one function per command, each running the pipeline
//
//   config -> connect -> take the lock -> discover + load plugins
//     -> build graph -> read changelog -> validate -> plan -> execute
//
// with the ending its command needs. tools/ calls these and prints.
// Everything before "execute" is read-only.
#ifndef CHIMP_ENGINE_HPP_
#define CHIMP_ENGINE_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/lock.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"

namespace chimp {

// The engine's version ("0.1.0").
const char* EngineVersion();

struct EngineOptions {
  // Where to connect. connection.database is ignored: see `database`.
  ConnectionOptions connection;
  // The target database: the one migrated. REQUIRES: not empty for every
  // command that reads the changelog.
  std::string database;
  // Directories searched for plugins (*.so, not recursive).
  std::vector<std::string> plugin_dirs;
  // The schema that holds the changelog tables. Default: "chimp".
  std::string changelog_schema = "chimp";
  // How long `migrate` waits for another run's lock. Default: 60 s.
  std::chrono::seconds lock_timeout{60};
};

// Loads every plugin in options.plugin_dirs and builds the graph. Needs no
// server.
Result<std::unique_ptr<Catalog>> LoadCatalog(const EngineOptions& options);

// `init`: creates the changelog tables and the target's state row.
Status InitChangelog(const EngineOptions& options);

struct StatusReport {
  std::unique_ptr<Catalog> catalog;  // owns what `pending` points into; null without plugins
  std::string database;
  std::string changelog_schema;
  ChangelogState state;
  Version newest;                 // newest version the plugins know
  std::optional<Plan> pending;    // plan to the newest version (expand)
  std::string plan_error;         // why no plan could be made, if so
  int32_t pending_cleanup = 0;    // cleanup steps waiting for --phase cleanup
  std::vector<ChangelogEntry> failed;  // latest attempt of steps whose last attempt failed or is running
};
// `status`: where the target stands and what is pending.
Result<StatusReport> GetStatus(const EngineOptions& options);

// `plan` and `migrate --dry-run`: the plan, touching nothing. When the
// changelog tables do not exist yet, plans from the empty version.
// The catalog is returned too, because the plan points into it.
struct PlanReport {
  std::unique_ptr<Catalog> catalog;
  ChangelogState state;
  Plan plan;
};
Result<PlanReport> MakeMigrationPlan(const EngineOptions& options, const PlanRequest& request);

// `migrate`: takes the lock (waiting up to options.lock_timeout; `on_wait`
// is told who holds it), creates the changelog tables if missing, plans and
// executes. On a failed step returns StepFailed; the changelog has the row.
struct MigrateReport {
  std::unique_ptr<Catalog> catalog;  // owns what `plan` points into
  Plan plan;
  ExecutionSummary summary;
};
Result<MigrateReport> Migrate(const EngineOptions& options, const PlanRequest& request,
                              ExecutionObserver* observer,
                              std::function<void(const LockHolder&)> on_wait = {});

// `log`: every changelog row of the target, oldest first.
Result<std::vector<ChangelogEntry>> ReadLog(const EngineOptions& options);

// Splits a step's SQL into the statements that would be sent (for plan -v).
Result<std::vector<std::string>> StatementsOf(const Step& step);

}  // namespace chimp

#endif  // CHIMP_ENGINE_HPP_
