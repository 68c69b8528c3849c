#include "util/log.hpp"

#include <doctest/doctest.h>

#include <string>

namespace chimp::internal {
namespace {

TEST_CASE("log: every level writes without throwing, before any logger is set up") {
  const std::string with_nul("a\0b", 3);
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    CHECK_NOTHROW(Log(level, "log_test: a message"));
    CHECK_NOTHROW(Log(level, ""));
    CHECK_NOTHROW(Log(level, with_nul));
    CHECK_NOTHROW(Log(level, "log_test: {} braces are not a format"));
  }
}

TEST_CASE("log: a level enabled implies every level above it is") {
  if (LogEnabled(LogLevel::kDebug)) CHECK(LogEnabled(LogLevel::kInfo));
  if (LogEnabled(LogLevel::kInfo)) CHECK(LogEnabled(LogLevel::kWarn));
  if (LogEnabled(LogLevel::kWarn)) CHECK(LogEnabled(LogLevel::kError));
  CHECK(LogEnabled(LogLevel::kError));
}

}  // namespace
}  // namespace chimp::internal
