#include "log.hpp"

#include <exception>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace chimp::cli {

void SetUpLogging(bool verbose, bool quiet, bool color) {
  try {
    auto logger = spdlog::stderr_color_mt("chimp", color ? spdlog::color_mode::always : spdlog::color_mode::never);
    logger->set_pattern("chimp: %^%l%$: %v");
    logger->set_level(verbose ? spdlog::level::debug : quiet ? spdlog::level::warn : spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const std::exception&) {
    // Logging never stops a command.
  }
}

void LogDebug(std::string_view message) {
  try {
    spdlog::debug("{}", message);
  } catch (...) {
  }
}

void LogWarn(std::string_view message) {
  try {
    spdlog::warn("{}", message);
  } catch (...) {
  }
}

}  // namespace chimp::cli
