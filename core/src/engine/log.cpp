// chimp log: the changelog's rows, backups and repairs of the target.
#include "chimp/engine.hpp"
#include "engine/target.hpp"

namespace chimp {

Result<std::vector<ChangelogEntry>> ReadLog(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  return target.changelog->ReadEntries();
}

Result<std::vector<BackupRecord>> ReadBackups(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  return target.changelog->ReadBackups();
}

Result<std::vector<RepairRecord>> ReadRepairs(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  return target.changelog->ReadRepairs();
}

}  // namespace chimp
