// Native steps of the CloudStack bundle: the Java data migrations
// (performDataMigration() of com.cloud.upgrade.dao.Upgrade*) that later SQL
// depends on, rewritten against the services table. Each function does what
// the Java method of the same name does at apache/cloudstack 3d6cafe1, in the
// same order, with the same statements; README.md lists the differences.
//
// The generated plugins (plugins/cloudstack/generator/) register them as
// native steps. [main-thread]: they run on the host's migration thread, and
// every failure throws chimp::sdk::Error, which fails the step. The ones
// with DDL are declared IDEMPOTENT: each change is guarded by what it
// changes, so that running one again from the start after a kill at any of
// its statements ends as a clean run (tests/integration/issues/
// issue_0010_nooperator_test.cpp kills each at each of its statements).
#ifndef CHIMP_PLUGINS_CLOUDSTACK_NATIVE_HPP_
#define CHIMP_PLUGINS_CLOUDSTACK_NATIVE_HPP_

#include <chimp/sdk/plugin.hpp>

#include <cstddef>
#include <string>

namespace chimp_cs {

// The text of a file embedded by the generated sources (CHIMP_CS_EMBED).
inline std::string Text(const char* begin, const char* end) {
  return std::string(begin, static_cast<std::size_t>(end - begin));
}

// Upgrade452to460.updateVMInstanceUserId (run by Upgrade453to460): sets
// vm_instance.user_id to the first user of the VM's account, then
// addRedundancyForNwAndVpc (vpc.redundant, vpc_offerings.
// redundant_router_service, networks.redundant, set from the offerings) and
// removeBumPriorityColumn (drops domain_router.is_priority_bumpup).
void UpdateVmInstanceUserId(chimp::sdk::Context& ctx);

// Upgrade452to460.addIndexForVMInstance: drops index
// i_vm_instance__instance_name if present, then adds it on instance_name.
void AddIndexForVmInstance(chimp::sdk::Context& ctx);

// Upgrade481to490.setupRolesAndPermissionsForDynamicChecker, without the
// script it runs last (create-default-role-api-mappings.sql is the SQL step
// that follows this one): adds account.role_id (with key and foreign key to
// roles) in cloud and role_id in cloud_usage.account, and gives every account
// the default role of its type. Unlike the Java, which does nothing when
// cloud.account.role_id exists, each ALTER is skipped when its column exists
// and only accounts without a role get one: running it again after a kill at
// any of its statements completes what the first run left (IDEMPOTENT).
void SetupRolesAndPermissionsForDynamicChecker(chimp::sdk::Context& ctx);

// Upgrade41400to41500.addRolePermissionsForNewReadOnlyAndSupportRoles: the
// rules of the Read-Only Admin, Read-Only User, Support Admin and Support
// User default roles.
void AddRolePermissionsForNewReadOnlyAndSupportRoles(chimp::sdk::Context& ctx);

}  // namespace chimp_cs

#endif  // CHIMP_PLUGINS_CLOUDSTACK_NATIVE_HPP_
