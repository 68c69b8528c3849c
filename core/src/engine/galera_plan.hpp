// What chimp does differently when its target is a Galera node (private to
// core; doc/operations.md "Galera clusters"): the work session's settings,
// and the plan's statements that Galera refuses or mishandles, reported
// before anything runs.
#ifndef CHIMP_ENGINE_GALERA_PLAN_HPP_
#define CHIMP_ENGINE_GALERA_PLAN_HPP_

#include "chimp/connection.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"
#include "lock/galera.hpp"

namespace chimp::internal {

// On a Galera node, sets the session's wsrep_sync_wait so that its reads
// (the changelog, pre-image probes, checks) see every transaction the
// cluster committed before them, on whichever node: a run that resumes
// through another node must not read a changelog that node has not applied
// yet. A no-op elsewhere.
Status PrepareGaleraSession(const GaleraNode& node, Connection& conn);

// On a Galera node: FailedPrecondition when the session's wsrep_OSU_method
// is not TOI (DDL would change this node only), or when SQL steps of `plan`
// hold statements Galera refuses (sql/galera_hazard.hpp), each named by
// its edge, step id, statement number and text; warnings (a table without
// a PRIMARY KEY) are logged. Native steps are not looked into. OK elsewhere.
Status CheckPlanOnGalera(const GaleraNode& node, const Plan& plan);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_GALERA_PLAN_HPP_
