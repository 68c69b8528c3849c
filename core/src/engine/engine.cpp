// What the pipelines share: the engine version, loading the catalog, the
// statements of a step (engine.hpp). Each pipeline has a unit of its own.
#include "chimp/engine.hpp"

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>

#include "chimp/loader.hpp"
#include "chimp/sql_splitter.hpp"
#include "engine/session.hpp"
#include "plugin/descriptor_cache.hpp"
#include "sql/statement_source.hpp"

namespace chimp {

const char* EngineVersion() { return CHIMP_ENGINE_VERSION; }

namespace {

// CHIMP_PLUGIN_LOAD_TIMEOUT (seconds, 1..86400), else the default 30 s.
Result<std::chrono::milliseconds> PluginLoadTimeout() {
  const char* text = std::getenv("CHIMP_PLUGIN_LOAD_TIMEOUT");
  if (text == nullptr || *text == '\0') return PluginLoadOptions().timeout;
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds < 1 || seconds > 86400) {
    return Status::InvalidArgument(std::string("CHIMP_PLUGIN_LOAD_TIMEOUT: '") + text +
                                   "' is not a number of seconds from 1 to 86400");
  }
  return std::chrono::milliseconds(std::chrono::seconds(seconds));
}

// The catalog of options.plugin_dirs, the descriptor cache used as `use`
// says (plugin/descriptor_cache.hpp).
Result<std::unique_ptr<Catalog>> LoadCatalogUsing(const EngineOptions& options, internal::DescriptorCacheUse use,
                                                  const std::set<std::string>& must_load = {}) {
  // A fleet run's set: loaded, verified and its code kept once for the run.
  if (options.plugin_set != nullptr) return Catalog::Build(options.plugin_set->plugins);
  if (options.plugin_dirs.empty()) {
    return Status::InvalidArgument("no plugin directory: give --plugins DIR or set [plugins] paths");
  }
  PluginLoadOptions load;
  CHIMP_ASSIGN_OR_RETURN(load.timeout, PluginLoadTimeout());
  load.trust = options.bundle_trust;
  CHIMP_ASSIGN_OR_RETURN(auto plugins, internal::LoadPluginsWithCache(options.plugin_dirs, load, use, must_load));
  return Catalog::Build(std::move(plugins));
}

}  // namespace

// Every plugin's code is loaded (its steps may run); what was loaded is
// kept in the descriptor cache for the planning loads of later runs.
Result<std::unique_ptr<Catalog>> LoadCatalog(const EngineOptions& options) {
  return LoadCatalogUsing(options, internal::DescriptorCacheUse::kStore);
}

Result<std::shared_ptr<const PluginSet>> LoadPluginSet(const EngineOptions& options) {
  EngineOptions own = options;
  own.plugin_set = nullptr;
  CHIMP_ASSIGN_OR_RETURN(std::unique_ptr<Catalog> catalog, LoadCatalog(own));
  auto set = std::make_shared<PluginSet>();
  set->plugins = catalog->plugins();
  return std::shared_ptr<const PluginSet>(std::move(set));
}

Result<std::unique_ptr<Catalog>> internal::LoadPlanningCatalog(const EngineOptions& options,
                                                               const std::set<std::string>& must_load) {
  return LoadCatalogUsing(options, internal::DescriptorCacheUse::kFindAndStore, must_load);
}

Result<std::vector<std::string>> StatementsOf(const Step& step) {
  std::vector<std::string> out;
  if (step.kind == StepKind::kNative || (step.kind == StepKind::kCheck && step.run != nullptr)) return out;
  if (step.kind == StepKind::kCheck) {
    out.push_back(step.sql);
    return out;
  }
  const std::string source = step.source.empty() ? step.id : step.source;
  CHIMP_ASSIGN_OR_RETURN(auto statements, internal::SplitScript(step.sql, step.dialect, source));
  for (auto& s : statements) out.push_back(std::move(s.statement.text));
  return out;
}

}  // namespace chimp
