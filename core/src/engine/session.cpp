#include "engine/session.hpp"

namespace chimp::internal {

Status RequireTarget(const EngineOptions& options) {
  if (options.database.empty()) {
    return Status::InvalidArgument(
        "no target database: give --database NAME or set [database] name in the config file");
  }
  if (options.changelog_schema.empty()) {
    return Status::InvalidArgument("the changelog schema name is empty ([changelog] schema)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Connection>> ConnectWithoutDatabase(const EngineOptions& options) {
  ConnectionOptions connection = options.connection;
  connection.database.clear();
  return Connection::Open(connection);
}

}  // namespace chimp::internal
