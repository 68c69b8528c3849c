// chimp plan and migrate --dry-run: the plan and its pre-flight checks,
// touching nothing.
#include "chimp/engine.hpp"
#include "engine/check.hpp"
#include "engine/galera_plan.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "exec/online_alter.hpp"

namespace chimp {

Result<PlanReport> MakeMigrationPlan(const EngineOptions& options, const PlanRequest& request) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options, internal::TargetNeeds::WithCatalog()));
  PlanReport report;
  report.catalog = std::move(target.catalog);
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options, *report.catalog, *target.changelog));
  CHIMP_ASSIGN_OR_RETURN(report.state, target.changelog->ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, target.changelog->ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(report.plan, MakePlan(*report.catalog, report.state, entries, request));
  CHIMP_RETURN_IF_ERROR(internal::RequireOnlineTool(options.online, report.plan));
  CHIMP_ASSIGN_OR_RETURN(internal::GaleraNode galera, internal::DetectGalera(*target.conn));
  CHIMP_RETURN_IF_ERROR(internal::CheckPlanOnGalera(galera, report.plan));
  CHIMP_ASSIGN_OR_RETURN(report.preflight, internal::RunPreflight(options, report.plan));
  return report;
}

}  // namespace chimp
