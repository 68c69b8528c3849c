// What the pipelines share: the engine version, loading the catalog, the
// statements of a step (engine.hpp). Each pipeline has a unit of its own.
#include "chimp/engine.hpp"

#include "chimp/loader.hpp"
#include "chimp/sql_splitter.hpp"
#include "sql/statement_source.hpp"

namespace chimp {

const char* EngineVersion() { return CHIMP_ENGINE_VERSION; }

Result<std::unique_ptr<Catalog>> LoadCatalog(const EngineOptions& options) {
  if (options.plugin_dirs.empty()) {
    return Status::InvalidArgument("no plugin directory: give --plugins DIR or set [plugins] paths");
  }
  CHIMP_ASSIGN_OR_RETURN(auto plugins, LoadPlugins(options.plugin_dirs, options.bundle_trust));
  return Catalog::Build(std::move(plugins));
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
