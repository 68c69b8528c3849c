// The engine's own copy of what plugins declare: plugins, edges and steps.
//
// The loader copies every descriptor a plugin hands over into these structs
// at load time; nothing here points into plugin memory except the native
// entry points (Step::run, Step::user), which stay valid because a loaded
// library is never unloaded.
#ifndef CHIMP_MODEL_HPP_
#define CHIMP_MODEL_HPP_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chimp/plugin_abi.h"
#include "chimp/version.hpp"

namespace chimp {

enum class StepKind { kSql, kNative, kCheck };
enum class Phase { kExpand, kCleanup };
// How a SQL step's script is cut into statements (CHIMP_DIALECT_*).
enum class SqlDialect {
  kClient,        // the mariadb command-line client (SqlSplitter)
  kScriptRunner,  // CloudStack's line-based ScriptRunner (SplitScriptRunner)
};
// When a repeatable step runs relative to the path (CHIMP_STEP_RUN_*).
enum class RepeatableWhen { kBefore, kAfter };

// "sql", "native", "check" / "expand", "cleanup".
const char* StepKindName(StepKind kind);
const char* PhaseName(Phase phase);
// "client", "script-runner" / "before", "after".
const char* SqlDialectName(SqlDialect dialect);
const char* RepeatableWhenName(RepeatableWhen when);

// Where a plugin came from and what it says about itself.
struct PluginInfo {
  std::string file;     // absolute path of the .so
  std::string name;     // declared name
  std::string version;  // declared plugin version, as written
  std::string description;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  uint32_t min_host_minor = 0;
  // ABI 1.1. Statements run before every step of the plugin ("" = none).
  std::string session_sql;
  // ABI 1.1. The query `chimp baseline` asks for a legacy database's
  // version ("" = none).
  std::string legacy_version_query;
  // ABI 1.2. Patterns of the stored routines whose CALL may run again
  // (lower-case; `*` = any run of characters; "schema.name" or "name").
  std::vector<std::string> rerunnable_calls;
};

struct Step {
  std::string id;
  std::string description;
  StepKind kind = StepKind::kSql;
  Phase phase = Phase::kExpand;
  bool has_ddl = false;
  bool idempotent = false;
  std::string sql;              // kSql: the script; kCheck: the condition query
  std::string source;           // where the SQL came from ("" if not given)
  std::string checksum;         // "sha256:<hex>" for SQL, "rev:<n>" for native
  std::string proposed_at;      // as declared, may be ""
  chimp_step_fn run = nullptr;  // native steps and function checks
  void* user = nullptr;
  // ABI 1.1 (1.0 plugins get the defaults).
  SqlDialect dialect = SqlDialect::kClient;
  // The default database: nullopt = the target database, "" = none.
  std::optional<std::string> database;
  std::string session_sql;      // run before the step, after the plugin's
  bool warnings_fatal = false;  // a warning or note fails the step
  // ABI 1.3 (CHIMP_STEP_PREFLIGHT; checks only): run before the first write
  // of a run whose path holds the edge, against the database as it is.
  bool preflight = false;
  // ABI 1.4 (CHIMP_STEP_ONLINE; SQL steps holding one ALTER TABLE): the
  // ALTER runs through pt-online-schema-change (exec/online_alter.hpp).
  bool online = false;
};

struct Edge {
  Version from;  // Version::Empty() for a base edge
  Version to;
  std::string description;
  std::vector<Step> steps;  // in run order
  std::shared_ptr<const PluginInfo> plugin;
  // ABI 1.4 (chimp_edge.target_fingerprint): the fingerprints the schemas
  // must have after this edge, as the plugin declared them: blank- or
  // comma-separated "sha256:<hex>" (the target database) or
  // "schema=sha256:<hex>" (another schema). "" = none declared.
  // doc/plugins.md "Declaring the fingerprint of a version".
  std::string target_fingerprint;

  // "<from> -> <to>", with "(empty)" for the empty version.
  std::string Name() const;
};

// A repeatable step (ABI 1.1): runs whenever its checksum differs from its
// last successful run, before or after the path.
struct Repeatable {
  Step step;
  RepeatableWhen when = RepeatableWhen::kAfter;
  std::shared_ptr<const PluginInfo> plugin;
  // The pseudo-edge it is executed and recorded under: from = to = the
  // empty version, description "repeatable", plugin as above.
  std::shared_ptr<const Edge> edge;
};

struct LoadedPlugin {
  std::shared_ptr<const PluginInfo> info;
  std::vector<Edge> edges;
  std::vector<Repeatable> repeatables;  // in declaration order
};

}  // namespace chimp

#endif  // CHIMP_MODEL_HPP_
