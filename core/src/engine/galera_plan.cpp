#include "engine/galera_plan.hpp"

#include <string>

#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"
#include "util/log.hpp"

namespace chimp::internal {

namespace {

// "edge 1.0.0 -> 1.1.0, step 'app.lock' statement 2 (LOCK TABLES t WRITE): <why>".
std::string Where(const PlannedStep& ps, size_t index, const std::string& text, const std::string& why) {
  return "edge " + ps.edge->Name() + ", step '" + ps.step->id + "' statement " + std::to_string(index + 1) + " (" +
         ShortenSql(text) + "): " + why;
}

}  // namespace

Status PrepareGaleraSession(const GaleraNode& node, Connection& conn) {
  if (!node.on || (node.sync_wait & 1) != 0) return Status::Ok();
  return conn.SetSessionVariables("wsrep_sync_wait = " + std::to_string(node.sync_wait | 1))
      .WithContext("setting the session's wsrep_sync_wait on " + DescribeGalera(node));
}

Status CheckPlanOnGalera(const GaleraNode& node, const Plan& plan) {
  if (!node.on) return Status::Ok();
  std::string refused;
  if (node.osu_method != "TOI") {
    refused += "\n  the session's wsrep_OSU_method is " + node.osu_method +
               ": DDL would change only this node, not the cluster; set it to TOI (SET GLOBAL "
               "wsrep_OSU_method = 'TOI'), or upgrade each node by hand";
  }
  for (const PlannedStep& ps : plan.steps) {
    const Step& step = *ps.step;
    if (step.kind != StepKind::kSql) continue;
    auto statements =
        SplitScriptFollowingLiteralModes(step.sql, step.dialect, step.source.empty() ? step.id : step.source);
    if (!statements.ok()) continue;  // the executor reports a script it cannot split
    for (size_t i = 0; i < statements->size(); ++i) {
      const ClassifiedStatement& s = (*statements)[i];
      if (s.info.galera.kind == GaleraHazard::Kind::kRefused) {
        refused += "\n  " + Where(ps, i, s.statement.text, s.info.galera.why);
      } else if (s.info.galera.kind == GaleraHazard::Kind::kWarning) {
        Log(LogLevel::kWarn, DescribeGalera(node) + ": " + Where(ps, i, s.statement.text, s.info.galera.why));
      }
    }
  }
  if (refused.empty()) return Status::Ok();
  return Status::FailedPrecondition("the target is a " + DescribeGalera(node) +
                                    ", and the plan holds what Galera refuses or mishandles; nothing was run:" +
                                    refused + "\n(doc/operations.md \"Galera clusters\")");
}

}  // namespace chimp::internal
