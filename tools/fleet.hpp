// Fleet runs: one command (migrate, status, plan, check, validate) over
// many targets: several --database, a --databases pattern, or the config
// file's [[targets]] (README "Fleet runs", doc/operations.md).
//
// The plugin set is loaded and verified once, on the main thread, and
// shared read-only (EngineOptions::plugin_set); each job opens its own
// connections and takes its target's own lock, as a single run does. Jobs
// print whole lines under one mutex, so output never interleaves mid-line.
#ifndef CHIMP_TOOLS_FLEET_HPP_
#define CHIMP_TOOLS_FLEET_HPP_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chimp/options.hpp"
#include "common.hpp"

namespace chimp::cli {

// One target of a fleet.
struct FleetMember {
  std::string name;       // the database, or "<server>/<database>" when the fleet spans servers
  std::string server;     // "host:port" or the socket path
  std::string where;      // where it was named: "--database", "--databases 'p'", "<config>:<line>"
  EngineOptions options;  // options.database is the target
};

// The targets ctx names, in order: the --database names; the schemas of
// the server matching --databases (sorted, system schemas and the
// changelog schema left out); or each [[targets]] table's databases,
// its keys over the rest of the configuration. Errors (exit 2):
// InvalidArgument for a duplicate target (naming both places) or a
// [[targets]] table without a database; NotFound for a pattern that matches
// no schema. A pattern is matched on the server (Unavailable, DatabaseError).
Result<std::vector<FleetMember>> ResolveFleet(const Context& ctx);

// What one target's run reports for the summary.
struct FleetOutcome {
  std::string from;    // the version it was at ("" = empty)
  std::string to;      // the version it reached (migrate) or would reach
  bool known = false;  // from/to are known
  int64_t steps = 0;   // run (migrate), pending (status, plan), checks (check), applied (validate)
  int exit_code = 0;   // tools/exit_codes.hpp
  std::string message;
};

// The outcome of a target whose run returned `status` (not ok).
FleetOutcome FleetFailure(const Status& status);

// The body of one target's run. Called on a job's thread: it must use only
// its own connections and print nothing (return the message instead).
using FleetJob = std::function<FleetOutcome(const EngineOptions& options)>;

struct FleetSettings {
  const char* command = "";  // "migrate", ...
  bool json = false;
};

// Resolves the fleet, loads the plugin set once, runs `job` for every
// target on ctx.jobs threads (stopping new starts after the first failure
// unless ctx.keep_going, and after a signal), prints a line per target as
// it ends and the summary table (text) or one JSON document (json,
// doc/json.md "Fleet runs"). Returns 0 when every target succeeded, else
// the exit code of the first failing target in fleet order.
int RunFleet(const Context& ctx, const FleetSettings& settings, const FleetJob& job);

// Refuses a fleet for a command that takes one target (exit 2).
int RefuseFleet(const Context& ctx, const char* command);

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_FLEET_HPP_
