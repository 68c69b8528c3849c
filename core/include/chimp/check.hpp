// The checks chimp runs outside a migration's steps: the pre-flight checks of
// a path (before the first write of `migrate`, and in `plan`, `migrate
// --dry-run` and `check`), the sanity checks of the current version and the
// changelog's health (`check`). Each check gives one CheckResult.
#ifndef CHIMP_CHECK_HPP_
#define CHIMP_CHECK_HPP_

#include <string>
#include <vector>

namespace chimp {

enum class CheckKind {
  // A check step with CHIMP_STEP_PREFLIGHT (ABI 1.3) of an edge of the
  // planned path, run against the database as it is before the run.
  kPreflight,
  // A post-condition of the current version: a trailing check step (a
  // check after the last step of another kind) of an applied edge on the
  // route to the current version, that succeeded when it ran.
  kSanity,
  // The changelog's health: no failed or running step, no checksum
  // mismatch, a plan that can be made.
  kChangelog,
  // The live schema against the fingerprint recorded after the last edge
  // (chimp/fingerprint.hpp): one result per schema recorded for the target,
  // its message naming every difference.
  kDrift,
};

// "preflight", "sanity", "changelog", "drift".
const char* CheckKindName(CheckKind kind);

struct CheckResult {
  CheckKind kind = CheckKind::kPreflight;
  // The step id of a check step; for kChangelog "changelog.unfinished",
  // "changelog.checksums" or "changelog.plan"; for kDrift "drift.<schema>".
  std::string name;
  std::string edge_from;    // check steps: their edge ("" = the empty version)
  std::string edge_to;      // "" for kChangelog
  std::string plugin_file;  // check steps: the plugin declaring the step
  std::string description;  // the step's description, or what was checked
  bool passed = false;
  // Why it failed (the check's or the server's message); for a changelog
  // check that passed, what it found ("3 applied steps, none failed").
  std::string message;
};

// True when every result passed.
bool AllPassed(const std::vector<CheckResult>& results);

}  // namespace chimp

#endif  // CHIMP_CHECK_HPP_
