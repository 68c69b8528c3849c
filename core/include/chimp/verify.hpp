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
//     An edge from a non-empty version needs that version's schema first: it
//     is reached with the other plugins (VerifyOptions::plugin_dirs), else
//     the edge is reported "not applied: needs <from>" (not a failure).
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
};

// One problem found. `code` says what kind: PluginError (the plugin is
// malformed, crashed or has bad SQL text), StepFailed (a step failed on the
// server), Unavailable/DatabaseError (the server), PlanError (the other
// plugins do not form a graph).
struct VerifyProblem {
  StatusCode code = StatusCode::kPluginError;
  std::string message;
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
};

// Verifies the plugin at `path` (see the file comment). Problems with the
// plugin go into the report; the Status is an error only when verification
// itself could not run (fork or pipe failure: Internal).
Result<VerifyReport> VerifyPlugin(const std::string& path, const VerifyOptions& options);

}  // namespace chimp

#endif  // CHIMP_VERIFY_HPP_
