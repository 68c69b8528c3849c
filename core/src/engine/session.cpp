#include "engine/session.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace chimp::internal {

namespace {

// The server's own schemas: a migration never writes there.
constexpr std::array<std::string_view, 4> kSystemSchemas = {"mysql", "information_schema", "performance_schema", "sys"};

bool IsSystemSchema(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kSystemSchemas.begin(), kSystemSchemas.end(), lower) != kSystemSchemas.end();
}

// Characters, not bytes: the server counts characters of utf8mb4.
size_t CharacterCount(std::string_view name) {
  return static_cast<size_t>(
      std::count_if(name.begin(), name.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

// `what` names the option the value came from.
Status CheckSchemaName(const std::string& name, const char* what) {
  if (IsSystemSchema(name)) {
    return Status::InvalidArgument(std::string(what) + ": '" + name +
                                   "' is a system schema of the server (mysql, information_schema, "
                                   "performance_schema, sys); chimp never writes there: choose another name");
  }
  const size_t length = CharacterCount(name);
  if (length > kMaxSchemaName) {
    return Status::InvalidArgument(std::string(what) + ": '" + name + "' has " + std::to_string(length) +
                                   " characters; MariaDB allows at most " + std::to_string(kMaxSchemaName) +
                                   " in a database name");
  }
  return Status::Ok();
}

}  // namespace

Status RequireTarget(const EngineOptions& options) {
  if (options.database.empty()) {
    return Status::InvalidArgument(
        "no target database: give --database NAME or set [database] name in the config file");
  }
  if (options.changelog_schema.empty()) {
    return Status::InvalidArgument("the changelog schema name is empty ([changelog] schema)");
  }
  CHIMP_RETURN_IF_ERROR(CheckSchemaName(options.database, "--database"));
  return CheckSchemaName(options.changelog_schema, "--changelog-schema");
}

Status RequireStartingPoint(const EngineOptions& options, const Catalog& catalog, Changelog& changelog) {
  CHIMP_ASSIGN_OR_RETURN(ChangelogState state, changelog.ReadState());
  if (!state.version.empty()) return Status::Ok();
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    if (catalog.edge(i).from.empty()) return Status::Ok();
  }
  std::string dirs;
  for (const std::string& dir : options.plugin_dirs) dirs += (dirs.empty() ? "'" : ", '") + dir + "'";
  return Status::PlanError("database '" + options.database + "' is empty (changelog schema '" +
                           options.changelog_schema +
                           "' records no version) and no plugin starts from nothing: none of the " +
                           std::to_string(catalog.plugins().size()) + " plugins in " + dirs +
                           " has an edge from the empty version. Add the plugin with the base edge, or mark the "
                           "version the database is at with `chimp baseline --version V`");
}

Result<std::unique_ptr<Connection>> ConnectWithoutDatabase(const EngineOptions& options) {
  ConnectionOptions connection = options.connection;
  connection.database.clear();
  return Connection::Open(connection);
}

}  // namespace chimp::internal
