// What every command's pipeline shares before it reaches the database: the
// target check and the connection.
#ifndef CHIMP_ENGINE_SESSION_HPP_
#define CHIMP_ENGINE_SESSION_HPP_

#include <memory>
#include <string>
#include <string_view>

#include "chimp/engine.hpp"

namespace chimp::internal {

// InvalidArgument when no target database or changelog schema is set.
Status RequireTarget(const EngineOptions& options);

// Connects with options.connection but without a default database: steps
// run in the target database, which may not exist yet. The caller owns the
// connection. Errors: Unavailable (no server), the server's.
Result<std::unique_ptr<Connection>> ConnectWithoutDatabase(const EngineOptions& options);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SESSION_HPP_
