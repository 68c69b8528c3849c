// The manual page chimp(1) and the bash completion, generated from the CLI11
// app main.cpp builds (every command, option, positional argument, format
// and choice, with the help texts of --help), the exit code table
// (exit_codes.hpp) and the environment table (environment.hpp). The build
// runs `chimp --generate-man` and `chimp --generate-bash-completion`
// (tools/CMakeLists.txt), so the page and the completion cannot drift from
// --help.
#ifndef CHIMP_TOOLS_MANUAL_HPP_
#define CHIMP_TOOLS_MANUAL_HPP_

#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>

namespace chimp::cli {

// Writes chimp.1 (roff, the man macros) for `app`; `settings` is the text of
// --help's footer on the precedence of settings.
void PrintManPage(std::ostream& out, const CLI::App& app, const std::string& settings);

// Writes a bash completion script for `app`: `complete -F _chimp chimp`,
// completing commands, options, the values of options with a fixed set
// (--format per command, --lock, --color ...), and file names where an
// option or argument takes a file or directory.
void PrintBashCompletion(std::ostream& out, const CLI::App& app);

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_MANUAL_HPP_
