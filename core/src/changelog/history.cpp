// ChangelogHistory: the latest attempt per step (changelog.hpp).
#include "chimp/changelog.hpp"

namespace chimp {

ChangelogHistory::ChangelogHistory(const std::vector<ChangelogEntry>& entries) {
  for (const ChangelogEntry& entry : entries) {  // oldest first
    // A restore undid it: the step stands as it stood at the backup.
    if (entry.status == StepStatus::kRolledBack) continue;
    auto [it, inserted] = by_id_.try_emplace(entry.step_id);
    if (inserted) first_seen_.push_back(&it->first);
    StepHistory& h = it->second;
    h.last = &entry;
    if (entry.status == StepStatus::kSuccess) {
      h.applied = &entry;
    } else {
      ++h.unsuccessful;
    }
  }
}

const StepHistory* ChangelogHistory::Find(std::string_view step_id) const {
  auto it = by_id_.find(step_id);
  return it == by_id_.end() ? nullptr : &it->second;
}

bool ChangelogHistory::IsApplied(std::string_view step_id) const {
  const StepHistory* h = Find(step_id);
  return h != nullptr && h->applied != nullptr;
}

std::vector<const ChangelogEntry*> ChangelogHistory::LatestInOrder() const {
  std::vector<const ChangelogEntry*> out;
  out.reserve(first_seen_.size());
  for (const std::string* id : first_seen_) out.push_back(by_id_.find(*id)->second.last);
  return out;
}

}  // namespace chimp
