// The check steps of the CloudStack bundle (cloudstack_checks.hpp). What
// CloudStack does was read in apache/cloudstack: Upgrade410to420 (4.2.0),
// Upgrade41000to41100, Upgrade41100to41110, Upgrade41400to41500,
// Upgrade41500to41510 updateSystemVmTemplates(), SystemVmTemplateRegistration
// (4.16 and later), DatabaseUpgradeChecker (PR #12140). The code is ours.
#include "cloudstack_checks.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace chimp_cs {
namespace {

using chimp::sdk::CheckFailed;
using chimp::sdk::Context;

bool TableExists(Context& ctx, const char* schema, const char* table) {
  return ctx.Scalar<int64_t>("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                             schema, table)
             .value_or(0) > 0;
}

std::string Quoted(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "4.15.1" -> {4, 15, 1}; stops at the first character that is not a digit
// or a dot ("4.20.0-x86_64" -> {4, 20, 0}). Empty when it starts otherwise.
std::vector<int64_t> VersionParts(std::string_view text) {
  std::vector<int64_t> parts;
  int64_t cur = 0;
  bool digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      digits = true;
    } else if (c == '.' && digits) {
      parts.push_back(cur);
      cur = 0;
      digits = false;
    } else {
      break;
    }
  }
  if (digits) parts.push_back(cur);
  return parts;
}

// a >= b, missing parts read as 0.
bool AtLeast(std::vector<int64_t> a, std::vector<int64_t> b) {
  size_t n = std::max(a.size(), b.size());
  a.resize(n, 0);
  b.resize(n, 0);
  return a >= b;
}

// The hypervisors CloudStack registers system VM templates for, as
// SystemVmTemplateRegistration.hypervisorList: the name in
// cluster.hypervisor_type and the one in the template's name.
struct Hypervisor {
  const char* type;
  const char* in_name;
};
constexpr Hypervisor kHypervisors[] = {{"KVM", "kvm"},       {"VMware", "vmware"}, {"XenServer", "xenserver"},
                                       {"Hyperv", "hyperv"}, {"LXC", "lxc"},       {"Ovm3", "ovm3"}};

// "4.22.0" -> "4.22": the folder of download.cloudstack.org/systemvm/.
std::string MajorMinor(const std::string& version) {
  auto first = version.find('.');
  if (first == std::string::npos) return version;
  auto second = version.find('.', first + 1);
  return second == std::string::npos ? version : version.substr(0, second);
}

// The tables whose foreign keys NoOrphanedForeignKeyRows follows (child
// side, schema cloud): those the bundle's native steps write (account,
// vm_instance, networks, vpc, vpc_offerings, domain_router, role_permissions,
// roles) and those its checks read (cluster, vm_template, mshost), with the
// owners they point to (user, domain). README.md ("Checks") lists them.
constexpr const char* kSanityTables[] = {"account",  "user",        "domain",        "vm_instance", "domain_router",
                                         "networks", "vpc",         "vpc_offerings", "roles",       "role_permissions",
                                         "cluster",  "vm_template", "mshost"};

}  // namespace

bool NoManagementServerUp(Context& ctx) {
  if (!TableExists(ctx, "cloud", "mshost")) return true;  // nothing installed yet
  auto up = ctx.Rows<std::optional<std::string>, int64_t, std::string, std::optional<std::string>>(
      "SELECT `name`, `msid`, `service_ip`, `version` FROM `cloud`.`mshost` "
      "WHERE `state` = 'Up' AND `removed` IS NULL ORDER BY `id`");
  if (up.empty()) return true;
  std::string list;
  for (const auto& [name, msid, ip, version] : up) {
    if (!list.empty()) list += ", ";
    list += "'" + name.value_or("") + "' (msid " + std::to_string(msid) + ", " + ip + ", version " +
            version.value_or("?") + ")";
  }
  throw CheckFailed(
      "Database upgrade is required but the management server is running in a clustered environment. Please "
      "perform the database upgrade when the management server is not running in a clustered environment. "
      "(CloudStack's DatabaseUpgradeChecker refuses to upgrade while cloud.mshost has a row with state 'Up' and "
      "removed NULL.) Up: " +
      list +
      ". Stop every management server first (systemctl stop cloudstack-management on each; a clean stop sets "
      "its row to 'Down'); a row left 'Up' by a server that is gone for good can be marked "
      "UPDATE cloud.mshost SET state = 'Down' WHERE msid = <msid>.");
}

bool SystemVmTemplatesRegistered(Context& ctx, const char* label, const char* template_version,
                                 const char* java_class) {
  if (!TableExists(ctx, "cloud", "cluster") || !TableExists(ctx, "cloud", "vm_template")) return true;
  // The hypervisors in use, and by which clusters.
  std::map<std::string, std::vector<std::string>> in_use;  // lower-case type -> cluster names
  ctx.ForEach(
      "SELECT `hypervisor_type`, `name` FROM `cloud`.`cluster` WHERE `removed` IS NULL AND `hypervisor_type` IS "
      "NOT NULL ORDER BY `id`",
      [&](std::string type, std::optional<std::string> name) { in_use[Lower(type)].push_back(name.value_or("?")); });
  const std::vector<int64_t> required = VersionParts(template_version);
  std::string missing;
  for (const Hypervisor& h : kHypervisors) {
    auto used = in_use.find(Lower(h.type));
    if (used == in_use.end()) continue;  // CloudStack: "hypervisor is not used, so not failing upgrade"
    const std::string prefix = std::string("systemvm-") + h.in_name + "-";
    bool found = false;
    ctx.ForEach(
        "SELECT `name` FROM `cloud`.`vm_template` WHERE `removed` IS NULL AND `name` LIKE ?",
        [&](std::string name) {
          if (AtLeast(VersionParts(std::string_view(name).substr(prefix.size())), required)) found = true;
          return !found;
        },
        prefix + "%");
    if (found) continue;
    std::string clusters;
    for (const std::string& c : used->second) clusters += (clusters.empty() ? "" : ", ") + c;
    if (!missing.empty()) missing += " ";
    missing += std::string(label) + " " + h.type +
               " SystemVm template not found. Cannot upgrade system Vms. Register the system VM template named '" +
               prefix + template_version + "' (or that of a later release, such as the one you upgrade to) for " +
               h.type + " before upgrading: download it from https://download.cloudstack.org/systemvm/" +
               MajorMinor(template_version) +
               "/ and register it as the root admin (Templates > Register template, or the registerTemplate API, "
               "with that name and hypervisor " +
               h.type + "). In use by cluster(s): " + clusters + ".";
  }
  if (missing.empty()) return true;
  throw CheckFailed(missing + " (CloudStack's " + java_class +
                    " refuses this upgrade: it looks the template up by name in cloud.vm_template, removed NULL, "
                    "for every hypervisor of cloud.cluster, removed NULL.)");
}

bool ViewsSelectable(Context& ctx) {
  auto views = ctx.Rows<std::string, std::string>(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ('cloud', "
      "'cloud_usage') ORDER BY 1, 2");
  std::string broken;
  for (const auto& [schema, view] : views) {
    const std::string name = Quoted(schema) + "." + Quoted(view);
    try {
      ctx.Rows<std::string>("SELECT * FROM " + name + " LIMIT 0");
      continue;
    } catch (const chimp::sdk::Error&) {
    }
    // Why: CHECK TABLE answers with the server's reason instead of failing.
    std::string why;
    ctx.ForEach("CHECK TABLE " + name, [&](const chimp::sdk::Row& row) {
      std::string type = row.Get<std::string>(2), text = row.Get<std::string>(3);
      if (type != "status") why += (why.empty() ? "" : "; ") + text;
    });
    broken +=
        (broken.empty() ? "" : " ") + schema + "." + view + ": " + (why.empty() ? "cannot be selected" : why) + ".";
  }
  if (broken.empty()) return true;
  throw CheckFailed("views that cannot be selected from (SELECT * ... LIMIT 0 fails): " + broken);
}

bool NoOrphanedForeignKeyRows(Context& ctx) {
  std::string in;
  for (const char* t : kSanityTables) in += std::string(in.empty() ? "" : ", ") + "'" + t + "'";
  // (constraint, child table, parent schema, parent table) -> column pairs in order.
  struct Key {
    std::string table, parent_schema, parent_table;
    std::vector<std::pair<std::string, std::string>> columns;
  };
  std::map<std::pair<std::string, std::string>, Key> keys;
  ctx.ForEach(
      "SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, "
      "k.REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE k "
      "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
      "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
      "WHERE k.TABLE_SCHEMA = 'cloud' AND k.TABLE_NAME IN (" +
          in +
          ") AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, "
          "k.ORDINAL_POSITION",
      [&](std::string constraint, std::string table, std::string column, std::string parent_schema,
          std::string parent_table, std::string parent_column) {
        Key& key = keys[{table, constraint}];
        key.table = table;
        key.parent_schema = parent_schema;
        key.parent_table = parent_table;
        key.columns.emplace_back(column, parent_column);
      });
  std::string orphans;
  for (const auto& [id, key] : keys) {
    std::string not_null, match;
    for (const auto& [column, parent_column] : key.columns) {
      not_null += " AND c." + Quoted(column) + " IS NOT NULL";
      match += std::string(match.empty() ? "" : " AND ") + "p." + Quoted(parent_column) + " = c." + Quoted(column);
    }
    const int64_t count = ctx.Scalar<int64_t>("SELECT COUNT(*) FROM `cloud`." + Quoted(key.table) + " c WHERE 1 = 1" +
                                              not_null + " AND NOT EXISTS (SELECT 1 FROM " + Quoted(key.parent_schema) +
                                              "." + Quoted(key.parent_table) + " p WHERE " + match + ")")
                              .value_or(0);
    if (count == 0) continue;
    std::string columns;
    for (const auto& [column, parent_column] : key.columns) columns += (columns.empty() ? "" : ", ") + column;
    orphans += (orphans.empty() ? "" : " ") + std::string("cloud.") + key.table + " (" + columns + ") -> " +
               key.parent_schema + "." + key.parent_table + ", foreign key " + id.second + ": " +
               std::to_string(count) + " row(s) point at no row.";
  }
  if (orphans.empty()) return true;
  throw CheckFailed("orphaned foreign-key rows: " + orphans +
                    " Delete those rows or restore their parents; CloudStack's DAOs assume every key resolves.");
}

bool VersionRowsConsistent(Context& ctx) {
  const std::string target(ctx.to_version());
  std::string problems;
  auto rows = ctx.Rows<std::string, std::optional<std::string>>("SELECT `version`, `step` FROM `cloud`.`version`");
  bool target_complete = false;
  for (const auto& [version, step] : rows) {
    const std::string s = step.value_or("NULL");
    if (version == target && s == "Complete") target_complete = true;
    if (s != "Complete") {
      problems += " version " + version + " is at step '" + s +
                  "' (CloudStack writes 'Upgrade' before a step's cleanup and 'Complete' after it);";
    }
    if (!AtLeast(VersionParts(target), VersionParts(version))) {
      problems += " version " + version + " is above chimp's " + target +
                  " (a CloudStack newer than this bundle touched the database?);";
    }
  }
  if (!target_complete) problems += " no row says " + target + " is Complete;";
  if (problems.empty()) return true;
  problems.pop_back();
  throw CheckFailed("cloud.version disagrees with chimp's version " + target + ":" + problems +
                    ". CloudStack's management server reads its version from these rows (the highest "
                    "'Complete' one) and would upgrade again, or refuse to start.");
}

}  // namespace chimp_cs
