// The Java data migrations the CloudStack SQL depends on, as native steps.
// Source: apache/cloudstack engine/schema/src/main/java/com/cloud/upgrade/dao/
// (Upgrade452to460 / Upgrade453to460, Upgrade481to490, Upgrade41400to41500),
// the versions of the 4.20+ era that match the corpus commit 3d6cafe1.
#include "cloudstack_native.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace chimp_cs {
namespace {

using chimp::sdk::Context;
using chimp::sdk::LogLevel;

bool ColumnExists(Context& ctx, const char* schema, const char* table, const char* column) {
  return ctx.Scalar<int64_t>(
                "SELECT COUNT(*) FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?",
                schema, table, column)
             .value_or(0) > 0;
}

bool IndexExists(Context& ctx, const char* schema, const char* table, const char* index) {
  return ctx.Scalar<int64_t>(
                "SELECT COUNT(*) FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?",
                schema, table, index)
             .value_or(0) > 0;
}

// ALTER TABLE ... ADD COLUMN, skipped when the column is there (the Java
// fails instead; skipping lets a resumed step converge).
void AddColumn(Context& ctx, const char* table, const char* column, const std::string& alter) {
  if (ColumnExists(ctx, "cloud", table, column)) {
    ctx.Log(std::string("cloud.") + table + "." + column + " exists already; not added again", LogLevel::kWarn);
    return;
  }
  ctx.Execute(alter);
}

constexpr const char* kInsertRule =
    "INSERT INTO `cloud`.`role_permissions` (`uuid`, `role_id`, `rule`, `permission`, `sort_order`) "
    "VALUES (UUID(), ?, ?, ?, ?) ON DUPLICATE KEY UPDATE rule=rule";

std::optional<int64_t> DefaultRoleId(Context& ctx, const char* name) {
  return ctx.Scalar<int64_t>("SELECT id FROM `cloud`.`roles` WHERE name = ? AND is_default = 1", name);
}

std::vector<std::string> Rules(Context& ctx, const char* sql, std::optional<int64_t> role_id = std::nullopt) {
  std::vector<std::string> rules;
  auto add = [&rules](std::string rule) { rules.push_back(std::move(rule)); };
  if (role_id) {
    ctx.ForEach(sql, add, *role_id);
  } else {
    ctx.ForEach(sql, add);
  }
  return rules;
}

// Appends ALLOW rules `rules` and then a final "*" DENY for `role_id`,
// numbering sort_order from `order`.
void AllowThenDenyRest(Context& ctx, int64_t role_id, int64_t& order, const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) ctx.Execute(kInsertRule, role_id, rule, "ALLOW", order++);
  ctx.Execute(kInsertRule, role_id, "*", "DENY", order);
}

}  // namespace

// ---- Upgrade452to460 (Upgrade453to460 extends it) ----

void UpdateVmInstanceUserId(Context& ctx) {
  // updateVMInstanceUserId
  auto vms = ctx.Rows<int64_t, int64_t>("SELECT id, account_id FROM `cloud`.`vm_instance`");
  for (const auto& [vm_id, account_id] : vms) {
    auto user_id = ctx.Scalar<int64_t>("SELECT id FROM `cloud`.`user` where account_id=?", account_id);
    if (user_id) ctx.Execute("update `cloud`.`vm_instance` set user_id=? where id=?", *user_id, vm_id);
  }
  ctx.Log("updated vm_instance.user_id of " + std::to_string(vms.size()) + " VMs");

  // addRedundancyForNwAndVpc
  AddColumn(ctx, "vpc", "redundant", "ALTER TABLE `cloud`.`vpc` ADD COLUMN `redundant` tinyint(1) DEFAULT 0");
  AddColumn(ctx, "vpc_offerings", "redundant_router_service",
            "ALTER TABLE `cloud`.`vpc_offerings` ADD COLUMN `redundant_router_service` tinyint(1) DEFAULT 0");
  AddColumn(ctx, "networks", "redundant", "ALTER TABLE `cloud`.`networks` ADD COLUMN `redundant` tinyint(1) DEFAULT 0");
  auto offerings = ctx.Rows<int64_t>(
      "select distinct nw.network_offering_id from `cloud`.`networks` nw join `cloud`.`network_offerings` off "
      "on nw.network_offering_id = off.id where off.redundant_router_service = 1");
  for (const auto& [offering_id] : offerings) {
    ctx.Execute("update `cloud`.`networks` set redundant = 1 where network_offering_id = ?", offering_id);
  }

  // removeBumPriorityColumn
  if (ColumnExists(ctx, "cloud", "domain_router", "is_priority_bumpup")) {
    ctx.Execute("ALTER TABLE `cloud`.`domain_router` DROP COLUMN `is_priority_bumpup`");
  }
}

void AddIndexForVmInstance(Context& ctx) {
  // DbUpgradeUtils.dropKeysIfExist(conn, "vm_instance", ["i_vm_instance__instance_name"], false)
  if (IndexExists(ctx, "cloud", "vm_instance", "i_vm_instance__instance_name")) {
    ctx.Execute("ALTER TABLE `cloud`.`vm_instance` DROP KEY `i_vm_instance__instance_name`");
  }
  ctx.Execute("ALTER TABLE `cloud`.`vm_instance` ADD INDEX `i_vm_instance__instance_name`(`instance_name`)");
}

// ---- Upgrade481to490 ----

void SetupRolesAndPermissionsForDynamicChecker(Context& ctx) {
  // The Java returns at once when cloud.account.role_id exists. Here each
  // change is guarded by what it changes instead, so that a run killed after
  // the first ALTER completes the rest when the step runs again (the step is
  // declared IDEMPOTENT): a clean run does exactly what the Java does.
  if (ColumnExists(ctx, "cloud", "account", "role_id")) {
    ctx.Log("cloud.account table already has the role_id column, not altered again", LogLevel::kWarn);
  } else {
    ctx.Execute(
        "ALTER TABLE `cloud`.`account` "
        "ADD COLUMN `role_id` bigint(20) unsigned COMMENT 'role id for this account' AFTER `type`, "
        "ADD KEY `fk_account__role_id` (`role_id`), "
        "ADD CONSTRAINT `fk_account__role_id` FOREIGN KEY (`role_id`) REFERENCES `cloud`.`roles` (`id`)");
  }
  if (!ColumnExists(ctx, "cloud_usage", "account", "role_id")) {
    ctx.Execute("ALTER TABLE `cloud_usage`.`account` ADD COLUMN `role_id` bigint(20) unsigned AFTER `type`");
  }

  // migrateAccountsToDefaultRoles: RoleType.getByAccountType(Account.Type
  // .getFromValue(type)); Account.Type is NORMAL(0), ADMIN(1), DOMAIN_ADMIN(2),
  // RESOURCE_DOMAIN_ADMIN(3), ...; roles Admin 1, ResourceAdmin 2,
  // DomainAdmin 3, User 4; any other type is skipped with a warning.
  for (const auto& [account_id, type] : ctx.Rows<int64_t, int64_t>("SELECT `id`, `type` FROM `cloud`.`account`")) {
    int64_t role_id = -1;
    switch (type) {
      case 0: role_id = 4; break;
      case 1: role_id = 1; break;
      case 2: role_id = 3; break;
      case 3: role_id = 2; break;
      default: break;
    }
    if (role_id < 1 || role_id > 4) {
      ctx.Log("Skipping role ID migration due to invalid role_id resolved for account id=" + std::to_string(account_id),
              LogLevel::kWarn);
      continue;
    }
    // Only accounts without a role: a role given before (an earlier run of
    // this step, or an operator) is kept, as the Java keeps it.
    ctx.Execute("UPDATE `cloud`.`account` SET account.role_id = ? WHERE account.id = ? AND account.role_id IS NULL",
                role_id, account_id);
  }
}

// ---- Upgrade41400to41500 ----

void AddRolePermissionsForNewReadOnlyAndSupportRoles(Context& ctx) {
  // addRolePermissionsForReadOnlyAdmin
  if (auto role = DefaultRoleId(ctx, "Read-Only Admin - Default")) {
    const std::pair<const char*, const char*> rules[] = {
        {"list*", "ALLOW"},
        {"getUploadParamsFor*", "DENY"},
        {"get*", "ALLOW"},
        {"cloudianIsEnabled", "ALLOW"},
        {"queryAsyncJobResult", "ALLOW"},
        {"quotaIsEnabled", "ALLOW"},
        {"quotaTariffList", "ALLOW"},
        {"quotaSummary", "ALLOW"},
        {"*", "DENY"},
    };
    int64_t order = 0;
    for (const auto& [rule, permission] : rules) ctx.Execute(kInsertRule, *role, rule, permission, order++);
  }

  // addRolePermissionsForReadOnlyUser
  if (auto role = DefaultRoleId(ctx, "Read-Only User - Default")) {
    std::vector<std::string> allow = Rules(
        ctx,
        "SELECT rule FROM `cloud`.`role_permissions` WHERE role_id = 4 AND permission = 'ALLOW' AND rule LIKE 'list%' "
        "ORDER BY sort_order");
    for (std::string& r :
         Rules(ctx,
               "SELECT rule FROM `cloud`.`role_permissions` WHERE role_id = 4 AND permission = 'ALLOW' "
               "AND rule LIKE 'get%' AND rule NOT LIKE 'getUploadParamsFor%' ORDER BY sort_order")) {
      allow.push_back(std::move(r));
    }
    for (const char* r :
         {"cloudianIsEnabled", "queryAsyncJobResult", "quotaIsEnabled", "quotaTariffList", "quotaSummary"}) {
      allow.emplace_back(r);
    }
    int64_t order = 0;
    AllowThenDenyRest(ctx, *role, order, allow);
  }

  // addRolePermissionsForSupportAdmin
  if (auto role = DefaultRoleId(ctx, "Support Admin - Default")) {
    if (auto read_only_admin = DefaultRoleId(ctx, "Read-Only Admin - Default")) {
      std::vector<std::string> allow = Rules(
          ctx,
          "SELECT rule FROM `cloud`.`role_permissions` WHERE role_id = ? AND permission = 'ALLOW' ORDER BY sort_order",
          *read_only_admin);
      for (const char* r : {"prepareHostForMaintenance",
                            "cancelHostMaintenance",
                            "enableStorageMaintenance",
                            "cancelStorageMaintenance",
                            "createServiceOffering",
                            "createDiskOffering",
                            "createNetworkOffering",
                            "createVPCOffering",
                            "startVirtualMachine",
                            "stopVirtualMachine",
                            "rebootVirtualMachine",
                            "startKubernetesCluster",
                            "stopKubernetesCluster",
                            "createVolume",
                            "attachVolume",
                            "detachVolume",
                            "uploadVolume",
                            "attachIso",
                            "detachIso",
                            "registerTemplate",
                            "registerIso"}) {
        allow.emplace_back(r);
      }
      int64_t order = 0;
      AllowThenDenyRest(ctx, *role, order, allow);
    }
  }

  // addRolePermissionsForSupportUser
  if (auto role = DefaultRoleId(ctx, "Support User - Default")) {
    if (auto read_only_user = DefaultRoleId(ctx, "Read-Only User - Default")) {
      std::vector<std::string> allow = Rules(
          ctx,
          "SELECT rule FROM `cloud`.`role_permissions` WHERE role_id = ? AND permission = 'ALLOW' ORDER BY sort_order",
          *read_only_user);
      for (const char* r :
           {"startVirtualMachine", "stopVirtualMachine", "rebootVirtualMachine", "startKubernetesCluster",
            "stopKubernetesCluster", "createVolume", "attachVolume", "detachVolume", "uploadVolume", "attachIso",
            "detachIso", "registerTemplate", "registerIso", "getUploadParamsFor*"}) {
        allow.emplace_back(r);
      }
      int64_t order = 0;
      AllowThenDenyRest(ctx, *role, order, allow);
    }
  }
}

}  // namespace chimp_cs
