// Verifying plugins on their own, for CI: `chimp plugins verify`.
//
// VerifyPlugin loads one plugin in a child process (fork, then load), so that
// a plugin that crashes (a segfault or an abort, also in a static
// constructor run when the library is opened) is reported with the signal
// instead of taking chimp down. In the child it
//   - loads the plugin (LoadPlugin: ABI, descriptors, names, versions, ids,
//     checksums, undeclared DDL);
//   - splits every SQL step and SQL check as the executor would, naming the
//     source file and line of an error;
//   - checks the SQL manifest that chimp_add_plugin embeds into the library
//     ("CHIMP-SQL-MANIFEST 1"): every embedded file must be intact, and a
//     SQL step whose source names an embedded file must carry its text;
//   - given a server (VerifyOptions::server), applies each edge of the plugin
//     on a scratch database created for the purpose, with a scratch changelog
//     schema, reporting the first failing statement with its file and line.
//     An edge from a non-empty version needs that version's schema first. It
//     is reached, in this order of preference,
//       1. with the other plugins (VerifyOptions::plugin_dirs) from the empty
//          database: the earlier releases' plugins;
//       2. from a schema file (VerifyOptions::from_schema) of the database
//          at some version V <= from, then with the plugins from V to from.
//     When neither reaches it, the edge is "not applied", and every SQL
//     statement and check query of it is prepared (PREPARE, never executed)
//     on an empty scratch database instead: a statement the server refuses
//     to parse (1064, 1149, 4161) is a StepFailed problem naming its file and
//     line; one the server cannot prepare without the from-version's tables
//     (1146 table doesn't exist, 1054 unknown column, ...), and every native
//     step, is listed in VerifyEdge::unchecked with the reason. Such a report
//     is not complete() (`plugins verify` exits 13).
// The parent drops every scratch database afterwards, even when the child
// crashed.
//
// [main-thread]: call from one thread at a time; the process must not have
// other threads that hold locks at the time of the fork.
#ifndef CHIMP_VERIFY_HPP_
#define CHIMP_VERIFY_HPP_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp {

struct VerifyOptions {
  // Apply the edges on this server. nullopt: static checks only.
  std::optional<ConnectionOptions> server;
  // Directories with the other plugins, used to reach an edge's from-version.
  std::vector<std::string> plugin_dirs;
  // The child is killed (and the plugin reported) after this long.
  std::chrono::seconds timeout{600};
  // A schema file: the SQL of a database at `from_schema_version` (as
  // `mariadb-dump --no-data --routines --triggers DB` writes it), split and
  // run as the `mariadb` client would (DELIMITER, executable comments) on
  // the scratch database. It must name no database: a "use", CREATE/DROP
  // DATABASE or an object qualified with a schema is refused. "" = none.
  std::string from_schema;
  // The version the schema file stands for. "" = the file's header line
  // "-- chimp-schema-version: V" (one of its lines). When both are given
  // they must agree.
  std::string from_schema_version;
};

// One problem found. `code` says what kind: PluginError (the plugin is
// malformed, crashed or has bad SQL text), StepFailed (a step failed on the
// server), Unavailable/DatabaseError (the server), PlanError (the other
// plugins do not form a graph).
struct VerifyProblem {
  StatusCode code = StatusCode::kPluginError;
  std::string message;
};

// A statement or step of an edge that could not be checked on the server,
// and why (an edge that was not applied; see the file comment).
struct VerifyUnchecked {
  std::string step;       // the step id
  std::string source;     // the step's source file, "" when it names none
  int32_t line = 0;       // the statement's first line; 0 for a native step
  std::string statement;  // the statement, shortened; "" for a native step
  std::string reason;
};

struct VerifyStep {
  std::string id;
  std::string kind;   // "sql", "native", "check"
  std::string phase;  // "expand", "cleanup"
  std::string checksum;
  std::string source;
  int32_t statements = 0;  // SQL steps: statements after splitting
};

// What became of an edge applied on a scratch database.
enum class VerifyOutcome {
  kNotRun,      // no server was given: static checks only
  kApplied,     // every step ran
  kFailed,      // a step (or reaching the from-version) failed; see problems
  kNotApplied,  // its from-version could not be reached; `detail` says why
};

// "" (kNotRun), "applied", "failed", "not applied": the words of
// `plugins verify --format json`.
constexpr const char* VerifyOutcomeName(VerifyOutcome outcome) {
  switch (outcome) {
    case VerifyOutcome::kNotRun: return "";
    case VerifyOutcome::kApplied: return "applied";
    case VerifyOutcome::kFailed: return "failed";
    case VerifyOutcome::kNotApplied: return "not applied";
  }
  return "";
}

struct VerifyEdge {
  std::string from;  // "" = the empty database
  std::string to;
  std::vector<VerifyStep> steps;
  // With a server: applied, failed or not applied; kNotRun without one.
  VerifyOutcome applied = VerifyOutcome::kNotRun;
  std::string detail;  // why failed / not applied; the path used to reach `from`
  int32_t steps_run = 0;
  // Not applied (with a server): the SQL statements and check queries of
  // the edge, how many of them the server prepared, and what it could not
  // check (in step order).
  int32_t statements = 0;
  int32_t prepared = 0;
  std::vector<VerifyUnchecked> unchecked;
};

struct VerifyReport {
  std::string file;      // as given
  bool loaded = false;   // the plugin loaded and validated in the child
  int crash_signal = 0;  // the signal that killed the child, 0 if none
  std::string name;
  std::string version;
  std::string description;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  uint32_t min_host_minor = 0;
  int32_t embedded_sql_files = 0;  // files in the embedded manifest
  std::vector<VerifyEdge> edges;
  std::vector<VerifyProblem> problems;  // empty = verified

  bool ok() const { return problems.empty(); }
  // Every edge was applied on a scratch database (false without a server).
  bool complete() const {
    for (const VerifyEdge& e : edges) {
      if (e.applied != VerifyOutcome::kApplied) return false;
    }
    return true;
  }
};

// Verifies the plugin at `path` (see the file comment). Problems with the
// plugin go into the report; the Status is an error only when verification
// itself could not run: fork or pipe failure (Internal), a from_schema file
// that cannot be read (NotFound) or whose version is unknown, not a version,
// or not the one from_schema_version says (InvalidArgument).
Result<VerifyReport> VerifyPlugin(const std::string& path, const VerifyOptions& options);

}  // namespace chimp

#endif  // CHIMP_VERIFY_HPP_
