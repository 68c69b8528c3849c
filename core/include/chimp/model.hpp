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
#include <string>
#include <vector>

#include "chimp/plugin_abi.h"
#include "chimp/version.hpp"

namespace chimp {

enum class StepKind { kSql, kNative, kCheck };
enum class Phase { kExpand, kCleanup };

// "sql", "native", "check" / "expand", "cleanup".
const char* StepKindName(StepKind kind);
const char* PhaseName(Phase phase);

// Where a plugin came from and what it says about itself.
struct PluginInfo {
  std::string file;         // absolute path of the .so
  std::string name;         // declared name
  std::string version;      // declared plugin version, as written
  std::string description;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  uint32_t min_host_minor = 0;
};

struct Step {
  std::string id;
  std::string description;
  StepKind kind = StepKind::kSql;
  Phase phase = Phase::kExpand;
  bool has_ddl = false;
  bool idempotent = false;
  std::string sql;          // kSql: the script; kCheck: the condition query
  std::string source;       // where the SQL came from ("" if not given)
  std::string checksum;     // "sha256:<hex>" for SQL, "rev:<n>" for native
  std::string proposed_at;  // as declared, may be ""
  chimp_step_fn run = nullptr;  // native steps and function checks
  void* user = nullptr;
};

struct Edge {
  Version from;             // Version::Empty() for a base edge
  Version to;
  std::string description;
  std::vector<Step> steps;  // in run order
  std::shared_ptr<const PluginInfo> plugin;

  // "<from> -> <to>", with "(empty)" for the empty version.
  std::string Name() const;
};

struct LoadedPlugin {
  std::shared_ptr<const PluginInfo> info;
  std::vector<Edge> edges;
};

}  // namespace chimp

#endif  // CHIMP_MODEL_HPP_
