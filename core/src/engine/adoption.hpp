// Adoption of a database chimp did not create (private to core): what
// `baseline` and `migrate` check before they write (baseline.cpp;
// doc/operations.md "Adopting an existing database").
#ifndef CHIMP_ENGINE_ADOPTION_HPP_
#define CHIMP_ENGINE_ADOPTION_HPP_

#include <cstdint>
#include <string>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// Whether `database` exists on the server of `conn`.
Result<bool> SchemaExists(Connection& conn, const std::string& database);

// The tables, views, routines, triggers and events of `database` (0 when it
// does not exist), without chimp's own tables (chimp_*) when
// `skip_changelog` (the changelog lives in that database).
Result<int64_t> CountSchemaObjects(Connection& conn, const std::string& database, bool skip_changelog);

// FailedPrecondition when the target has objects but the changelog has no
// row and no version for it: a database made by another tool, which a base
// edge would collide with. The message explains `chimp baseline` and, when
// a plugin of `catalog` declares a legacy version query, the version it
// finds (run with the target as the default database). Read-only; migrate
// calls it before it creates the changelog tables.
Status RequireAdoptedOrEmpty(const EngineOptions& options, Connection& conn, const Catalog& catalog,
                             Changelog& changelog);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_ADOPTION_HPP_
