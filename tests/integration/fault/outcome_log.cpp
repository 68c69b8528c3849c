#include "integration/fault/outcome_log.hpp"

#include <cstdio>

namespace chimp::test {
namespace {

const char* Name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kConverged: return "converged";
    case Outcome::kManualStep: return "needed the operator (exit 9)";
    case Outcome::kDiverged: return "diverged";
    case Outcome::kFailed: return "failed";
  }
  return "?";
}

}  // namespace

OutcomeLog& OutcomeLog::Shared() {
  static OutcomeLog log;
  return log;
}

void OutcomeLog::Add(const std::string& what, Outcome outcome, const std::string& detail) {
  ++counts_.kills;
  switch (outcome) {
    case Outcome::kConverged: ++counts_.converged; return;
    case Outcome::kManualStep: ++counts_.manual_steps; break;
    case Outcome::kDiverged: ++counts_.divergences; break;
    case Outcome::kFailed: ++counts_.failed; break;
  }
  std::string line = detail.substr(0, detail.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  std::printf("fault injection: NOT CONVERGED %s: %s: %s\n", what.c_str(), Name(outcome), line.c_str());
  std::fflush(stdout);
}

OutcomeLog::~OutcomeLog() {
  if (counts_.kills == 0) return;
  std::printf("fault injection totals: kills %d, converged %d, manual steps %d, divergences %d, failed %d\n",
              counts_.kills, counts_.converged, counts_.manual_steps, counts_.divergences, counts_.failed);
  std::fflush(stdout);
}

}  // namespace chimp::test
