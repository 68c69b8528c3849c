#include "recovery/fault_points.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <string>

namespace chimp::internal {

namespace {

struct CrashSpec {
  bool active = false;
  std::string point;
  long count = 0;             // kill on this hit
  std::atomic<long> hits{0};  // a fleet run hits points from several threads
};

CrashSpec& Spec() {
  static CrashSpec spec;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("CHIMP_TEST_CRASH_AT");
    if (env == nullptr) return;
    const std::string text(env);
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return;
    spec.point = text.substr(0, colon);
    spec.count = std::strtol(text.c_str() + colon + 1, nullptr, 10);
    spec.active = spec.count > 0;
  });
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
