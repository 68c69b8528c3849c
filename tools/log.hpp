// The chimp command's one logging adapter: log.cpp is the only tools file that
// includes spdlog. It sets up the process's default logger, which the engine
// writes to too (core/src/util/log.hpp), and gives the command its own log
// lines. Logging never throws into its caller.
#ifndef CHIMP_TOOLS_LOG_HPP_
#define CHIMP_TOOLS_LOG_HPP_

#include <functional>
#include <string_view>

namespace chimp::cli {

// Logs go to stderr as "chimp: <level>: <message>"; `verbose` shows debug
// lines, `quiet` only warnings and errors. Default: info. `color`: the level
// is coloured with ANSI escapes (UseColor in common.hpp decides).
void SetUpLogging(bool verbose, bool quiet, bool color);

// Calls `before` ahead of and `after` behind every log line from then on,
// on the logging thread (migrate's live progress line erases itself around
// them). Empty functions: nothing. REQUIRES: SetUpLogging ran; both outlive
// the logging (reset them before they go).
void SetLogInterlude(std::function<void()> before, std::function<void()> after);

// Prefixes the log lines written by the calling thread with "<target>: "
// from then on ("" = none): a fleet run's job names its target in the lines
// the engine and the plugins log for it. [thread-safe]
void SetLogTarget(std::string_view target);
void LogDebug(std::string_view message);
void LogWarn(std::string_view message);

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_LOG_HPP_
