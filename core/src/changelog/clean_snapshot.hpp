// What a lock-free no-op `migrate` reads of the changelog (private to core;
// used by core/src/engine/migrate.cpp), in two statements of the text
// protocol instead of the eight round trips of TablesAreNewest, ReadState,
// ReadCounterCheckpoint and ReadEntries: a no-op is measured against the
// client's connect-and-read.
#ifndef CHIMP_CHANGELOG_CLEAN_SNAPSHOT_HPP_
#define CHIMP_CHANGELOG_CLEAN_SNAPSHOT_HPP_

#include <optional>
#include <string>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"

namespace chimp::internal {

struct CleanSnapshot {
  ChangelogState state;
  std::vector<ChangelogEntry> entries;  // oldest first, as ReadEntries
};

// The state row and the rows of `target` in the changelog schema `schema`,
// when the changelog certainly needs nothing before planning: its tables
// have the newest layout (Changelog::TablesAreNewest), the state row
// records a version, no AUTO_INCREMENT checkpoint waits and no row is
// `running`. nullopt otherwise, and on any error (a table missing
// included): the caller then takes the normal, locked path. Read-only.
std::optional<CleanSnapshot> ReadCleanSnapshot(Connection& conn, const std::string& schema, const std::string& target);

}  // namespace chimp::internal

#endif  // CHIMP_CHANGELOG_CLEAN_SNAPSHOT_HPP_
