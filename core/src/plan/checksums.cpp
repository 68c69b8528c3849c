// The checksum rule of applied steps (planner.hpp), shared by the planner
// and `validate`.
#include "chimp/planner.hpp"

#include "chimp/engine.hpp"
#include "sql/statement_source.hpp"
#include "util/sha256.hpp"

namespace chimp {

const Step* FindRepeatableStep(const Catalog& catalog, std::string_view id, const Edge** edge) {
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    for (const Repeatable& r : plugin.repeatables) {
      if (r.step.id != id) continue;
      if (edge != nullptr) *edge = r.edge.get();
      return &r.step;
    }
  }
  return nullptr;
}

std::vector<ChecksumMismatch> FindChecksumMismatches(const Catalog& catalog, const ChangelogHistory& history,
                                                     std::vector<ChangelogEntry>* missing) {
  std::vector<ChecksumMismatch> out;
  for (const auto& [id, h] : history.by_id()) {
    if (h.applied == nullptr || IsEngineRow(*h.applied)) continue;
    if (FindRepeatableStep(catalog, id, nullptr) != nullptr) continue;
    const Edge* edge = nullptr;
    const Step* step = catalog.FindStep(id, &edge);
    if (step == nullptr) {
      if (missing != nullptr) missing->push_back(*h.applied);
      continue;
    }
    if (step->checksum == h.applied->checksum) continue;
    ChecksumMismatch m;
    m.step_id = id;
    m.edge = edge->Name();
    m.plugin_file = edge->plugin ? edge->plugin->file : "";
    m.installed_checksum = step->checksum;
    m.applied_checksum = h.applied->checksum;
    m.applied_plugin_file = h.applied->plugin_file;
    m.applied_run_id = h.applied->run_id;
    m.changelog_id = h.applied->id;
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<std::string>> StatementPrefixDigests(const Step& step) {
  std::vector<std::string> digests;
  // Only a SQL step with DDL resumes inside its text; the others restart.
  if (step.kind != StepKind::kSql || !step.has_ddl) return digests;
  const std::string source = step.source.empty() ? step.id : step.source;
  CHIMP_ASSIGN_OR_RETURN(auto statements, internal::SplitScriptFollowingLiteralModes(step.sql, step.dialect, source));
  digests.reserve(statements.size() + 1);
  digests.push_back(internal::Sha256Hex(""));
  for (const auto& statement : statements) {
    digests.push_back(internal::Sha256Hex(digests.back() + internal::Sha256Hex(statement.statement.text)));
  }
  return digests;
}

}  // namespace chimp
