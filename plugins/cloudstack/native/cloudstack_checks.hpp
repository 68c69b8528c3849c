// Check steps of the CloudStack bundle: the pre-upgrade refusals of
// CloudStack's own upgrade code (DatabaseUpgradeChecker and the Upgrade*
// classes of apache/cloudstack engine/schema/src/main/java/com/cloud/upgrade/)
// and the post-upgrade sanity checks an operator wants, written against the
// services table only. plugins/cloudstack/README.md ("Checks") says which
// edges carry which, and how an operator satisfies them.
//
// Each returns true when the database passes and throws
// chimp::sdk::CheckFailed with the explanation when it does not (the host
// then stops the run with exit 11, naming the check and its edge).
// Every name is qualified with its schema and no step sets a default
// database: the pre-flight checks run against the database as it is, which
// on a fresh server has no `cloud` yet (then nothing is in use and they
// pass).
#ifndef CHIMP_PLUGINS_CLOUDSTACK_CHECKS_HPP_
#define CHIMP_PLUGINS_CLOUDSTACK_CHECKS_HPP_

#include <chimp/sdk/plugin.hpp>

namespace chimp_cs {

// The options of every pre-flight check of the bundle, in one place: ABI 1.3
// chimp::sdk::kPreflight, which asks the host to run the check for every
// edge of the planned path before the first write of the run. A host that
// does not act on the flag (ABI 1.2, or 1.3 before its engine runs
// pre-flight checks) runs them as the first steps of their edge.
inline constexpr chimp::sdk::StepOptions kCloudStackPreflight = chimp::sdk::kPreflight;

// The options of every check of the bundle: no default database (see above).
inline constexpr chimp::sdk::StepOptions kCheckDatabase = chimp::sdk::Database("");

// DatabaseUpgradeChecker (apache/cloudstack#11973, PR #12140; CloudStack
// 4.20.3 and 4.22.1): no upgrade while a management server is Up, i.e. a
// row of cloud.mshost with state 'Up' and removed NULL. chimp is not a
// management server, so every such row is "another one".
bool NoManagementServerUp(chimp::sdk::Context& ctx);

// Upgrade*.updateSystemVmTemplates / SystemVmTemplateRegistration: for
// every hypervisor in use (SELECT DISTINCT hypervisor_type FROM cloud.cluster
// WHERE removed IS NULL), cloud.vm_template must hold a template named
// systemvm-<hypervisor>-<template_version> (removed NULL), or one of a later
// release. `label` is the version CloudStack's message names (the class's
// getUpgradedVersion() before 4.16, the template version since) and
// `java_class` the code whose refusal this is, both for the message.
bool SystemVmTemplatesRegistered(chimp::sdk::Context& ctx, const char* label, const char* template_version,
                                 const char* java_class);

// Post-upgrade sanity: every view of cloud and cloud_usage can be selected
// from (SELECT * ... LIMIT 0 resolves every table, column and function).
bool ViewsSelectable(chimp::sdk::Context& ctx);

// Post-upgrade sanity: no row of the bounded set of tables in
// kSanityTables (cloudstack_checks.cpp) points, through one of its foreign
// keys, at a row that does not exist (rows written with
// FOREIGN_KEY_CHECKS=0, or keys added while the checks were off).
bool NoOrphanedForeignKeyRows(chimp::sdk::Context& ctx);

// Post-upgrade sanity: cloud.version agrees with chimp's version, the
// edge's to_version: its row is 'Complete', no row is above it, and no row
// is left at 'Upgrade'.
bool VersionRowsConsistent(chimp::sdk::Context& ctx);

}  // namespace chimp_cs

#endif  // CHIMP_PLUGINS_CLOUDSTACK_CHECKS_HPP_
