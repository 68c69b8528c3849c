#include "recovery/fault_points.hpp"

#include <csignal>
#include <cstdlib>
#include <string>

namespace chimp::internal {

namespace {

struct CrashSpec {
  bool active = false;
  std::string point;
  long count = 0;  // kill on this hit
  long hits = 0;
};

CrashSpec& Spec() {
  static CrashSpec spec = [] {
    CrashSpec s;
    const char* env = std::getenv("CHIMP_TEST_CRASH_AT");
    if (env == nullptr) return s;
    const std::string text(env);
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return s;
    s.point = text.substr(0, colon);
    s.count = std::strtol(text.c_str() + colon + 1, nullptr, 10);
    s.active = s.count > 0;
    return s;
  }();
  return spec;
}

}  // namespace

void TEST_CrashPoint(std::string_view point) {
  CrashSpec& spec = Spec();
  if (!spec.active || point != spec.point) return;
  if (++spec.hits == spec.count) {
    std::raise(SIGKILL);
  }
}

}  // namespace chimp::internal
