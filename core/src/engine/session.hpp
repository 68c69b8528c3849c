// What every command's pipeline shares before it reaches the database: the
// target check and the connection.
#ifndef CHIMP_ENGINE_SESSION_HPP_
#define CHIMP_ENGINE_SESSION_HPP_

#include <memory>
#include <string>
#include <string_view>

#include "chimp/catalog.hpp"
#include "chimp/engine.hpp"

namespace chimp::internal {

// The longest database name MariaDB accepts (NAME_CHAR_LEN).
inline constexpr size_t kMaxSchemaName = 64;

// InvalidArgument when no target database or changelog schema is set, when
// either is a system schema (mysql, information_schema, performance_schema,
// sys; any case) or longer than kMaxSchemaName characters: checked before
// anything connects, so a refused name leaves nothing behind.
Status RequireTarget(const EngineOptions& options);

// PlanError when the target has no version yet (no changelog, or an empty
// one) and no plugin of `catalog` has an edge from the empty version: there
// is nothing to start from. Read-only; `migrate` calls it before it creates
// the changelog tables.
Status RequireStartingPoint(const EngineOptions& options, const Catalog& catalog, Changelog& changelog);

// Connects with options.connection but without a default database: steps
// run in the target database, which may not exist yet. The caller owns the
// connection. Errors: Unavailable (no server), the server's.
Result<std::unique_ptr<Connection>> ConnectWithoutDatabase(const EngineOptions& options);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SESSION_HPP_
