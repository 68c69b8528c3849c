// The outcome of every kill of a fault-injection run (tests/integration/fault),
// kept across its test cases so that a campaign reports all of its kills, not
// just the first bad one. Test support. [main-thread]
//
// Each kill that does not converge is printed at once:
//   fault injection: NOT CONVERGED <what>: <kind>: <detail>
// and at process exit, when any kill was recorded:
//   fault injection totals: kills N, converged N, manual steps N, divergences N, failed N
// (scripts/fault-injection.sh reads both).
#ifndef CHIMP_TESTS_INTEGRATION_FAULT_OUTCOME_LOG_HPP_
#define CHIMP_TESTS_INTEGRATION_FAULT_OUTCOME_LOG_HPP_

#include <string>

namespace chimp::test {

enum class Outcome {
  kConverged,   // the rerun exited 0 and the exact dump equals the clean run's
  kManualStep,  // the rerun stopped for the operator (exit 9)
  kDiverged,    // the rerun exited 0 but the dump (or the history) differs
  kFailed,      // the rerun, or the killed run itself, failed otherwise
};

struct OutcomeCounts {
  int kills = 0;
  int converged = 0;
  int manual_steps = 0;
  int divergences = 0;
  int failed = 0;
};

class OutcomeLog {
 public:
  // The log of this process; prints the totals when the process exits.
  static OutcomeLog& Shared();

  // Records one kill; prints it unless it converged. `detail` is cut to its
  // first line and 300 characters.
  void Add(const std::string& what, Outcome outcome, const std::string& detail);

  const OutcomeCounts& counts() const { return counts_; }

  ~OutcomeLog();

 private:
  OutcomeLog() = default;
  OutcomeCounts counts_;
};

}  // namespace chimp::test

#endif  // CHIMP_TESTS_INTEGRATION_FAULT_OUTCOME_LOG_HPP_
