// What every command's pipeline shares before it reaches the database: the
// target check and the connection.
#ifndef CHIMP_ENGINE_SESSION_HPP_
#define CHIMP_ENGINE_SESSION_HPP_

#include <memory>
#include <set>
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

// The catalog of options.plugin_dirs for planning only (status, the no-op
// check of migrate): a plugin file whose bytes the descriptor cache holds
// a verified descriptor for (plugin/descriptor_cache.hpp) is taken from it,
// and none of its code runs; the others are loaded as LoadCatalog loads
// them. Trust and bundle checks run on every file as in LoadCatalog. The
// files (canonical) in `must_load` are loaded the full way: only the steps
// of plugins whose code is loaded (plugin/descriptor_cache.hpp CodeLoaded)
// may be executed; a step with a function from the cache fails.
Result<std::unique_ptr<Catalog>> LoadPlanningCatalog(const EngineOptions& options,
                                                     const std::set<std::string>& must_load = {});

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SESSION_HPP_
