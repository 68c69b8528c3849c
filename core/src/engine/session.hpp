// What every command's pipeline shares before it reaches the database: the
// target check, the connection, and how statements are quoted in messages.
#ifndef CHIMP_ENGINE_SESSION_HPP_
#define CHIMP_ENGINE_SESSION_HPP_

#include <memory>
#include <string>
#include <string_view>

#include "chimp/engine.hpp"

namespace chimp::internal {

// InvalidArgument when no target database or changelog schema is set.
Status RequireTarget(const EngineOptions& options);

// Connects without a default database: steps run in the target database,
// which may not exist yet.
Result<std::unique_ptr<Connection>> ConnectWithoutDatabase(const EngineOptions& options);

// `sql` on one line, cut to `limit` characters with "..." after, for error
// messages.
std::string ShortenSql(std::string_view sql, size_t limit = 160);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SESSION_HPP_
