// chimp init: the changelog tables and the target's state row.
#include "chimp/engine.hpp"
#include "engine/target.hpp"

namespace chimp {

Status InitChangelog(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  return target.changelog->EnsureTables();
}

}  // namespace chimp
