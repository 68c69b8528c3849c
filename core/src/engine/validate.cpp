// chimp validate: every applied step against the installed plugins.
#include "chimp/engine.hpp"
#include "engine/check.hpp"
#include "engine/target.hpp"

namespace chimp {

namespace internal {

void JudgeChangelog(const Catalog& catalog, const std::vector<ChangelogEntry>& entries, ValidationReport* report) {
  const ChangelogHistory history(entries);
  report->mismatches = FindChecksumMismatches(catalog, history, &report->missing);
  for (const auto& [id, h] : history.by_id()) {
    if (IsEngineRow(*h.last)) continue;
    if (h.applied != nullptr) ++report->applied;
    if (h.last->status != StepStatus::kSuccess) report->unfinished.push_back(*h.last);
  }
}

}  // namespace internal

Result<ValidationReport> ValidateChangelog(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, internal::TargetNeeds::WithCatalog()));
  ValidationReport report;
  report.database = options.database;
  report.catalog = std::move(target.catalog);
  CHIMP_ASSIGN_OR_RETURN(report.state, target.changelog->ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, target.changelog->ReadEntries());
  internal::JudgeChangelog(*report.catalog, entries, &report);
  CHIMP_RETURN_IF_ERROR(internal::AddDriftChecks(*target.conn, *target.changelog, entries, &report.drift));
  return report;
}

}  // namespace chimp
