#include "util/log.hpp"

#include <spdlog/spdlog.h>

namespace chimp::internal {
namespace {

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void Log(LogLevel level, std::string_view message) noexcept {
  try {
    spdlog::log(SpdlogLevel(level), "{}", message);
  } catch (...) {
    // Logging never fails its caller.
  }
}

bool LogEnabled(LogLevel level) noexcept {
  try {
    return spdlog::should_log(SpdlogLevel(level));
  } catch (...) {
    return false;
  }
}

}  // namespace chimp::internal
