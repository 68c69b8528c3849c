// --format json on failure: a command that fails before it printed its JSON
// document prints {"error":{"exit_code":N,"message":"..."}} on stdout
// (doc/json.md), so that a script reading stdout always gets a document.
// The message also goes to stderr, as in text output. [main-thread]
#ifndef CHIMP_TOOLS_JSON_ERRORS_HPP_
#define CHIMP_TOOLS_JSON_ERRORS_HPP_

namespace chimp::cli {

// From main(), once the command line is parsed: whether --format json was
// given. Default: off.
void SetJsonErrors(bool on);

// The command has printed its JSON output without PrintJson (migrate's
// events): Fail prints no error object after it. PrintJson notes it itself.
void NoteJsonPrinted();

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_JSON_ERRORS_HPP_
