// The engine's one logging adapter: the only core file that includes spdlog
// is log.cpp (STYLE.md rule 4). Messages go to the process's default spdlog
// logger, which the chimp command sets up (tools/log.cpp); an embedding
// program that sets none gets spdlog's default (stdout).
//
// [thread-safe]: spdlog's default logger is.
#ifndef CHIMP_UTIL_LOG_HPP_
#define CHIMP_UTIL_LOG_HPP_

#include <string_view>

namespace chimp::internal {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Writes `message` at `level`. Logging never throws into its caller and never
// fails it: a logger that cannot write drops the message.
void Log(LogLevel level, std::string_view message) noexcept;

// True when a message at `level` would be written, so that a caller can skip
// building a message nobody reads (a progress line per chunk, say).
bool LogEnabled(LogLevel level) noexcept;

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_LOG_HPP_
