// Test-only crash points (STYLE.md rule 9: TEST_ hooks).
//
// With CHIMP_TEST_CRASH_AT="<point>:<n>" in the environment, the process
// kills itself with SIGKILL the n-th time (1-based) it reaches <point>, so
// that the fault-injection tests can stop `chimp migrate` at an exact place:
//   step-start        before a step's changelog row is written
//   before-statement  before a statement is sent
//   after-statement   after the server answered, before the index update
//   after-index       after the statement index was recorded
//   before-commit     before a transaction's COMMIT
//   after-commit      after a COMMIT
//   before-version    after an edge's last step, before its version is set
//   online-copy       an online ALTER: at pt-online-schema-change's first
//                     progress line below 100 % (mid-copy; the tool dies
//                     with chimp)
//   online-done       an online ALTER: the tool swapped the tables and
//                     exited, before chimp records the step
// Without the variable the hook costs one branch on a cached flag.
#ifndef CHIMP_RECOVERY_FAULT_POINTS_HPP_
#define CHIMP_RECOVERY_FAULT_POINTS_HPP_

#include <string_view>

namespace chimp::internal {

void TEST_CrashPoint(std::string_view point);

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_FAULT_POINTS_HPP_
