#include "chimp/model.hpp"

namespace chimp {

const char* StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kSql: return "sql";
    case StepKind::kNative: return "native";
    case StepKind::kCheck: return "check";
  }
  return "unknown";
}

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kExpand: return "expand";
    case Phase::kCleanup: return "cleanup";
  }
  return "unknown";
}

const char* SqlDialectName(SqlDialect dialect) {
  switch (dialect) {
    case SqlDialect::kClient: return "client";
    case SqlDialect::kScriptRunner: return "script-runner";
  }
  return "unknown";
}

const char* RepeatableWhenName(RepeatableWhen when) { return when == RepeatableWhen::kBefore ? "before" : "after"; }

std::string Edge::Name() const { return from.ToDisplayString() + " -> " + to.ToDisplayString(); }

}  // namespace chimp
