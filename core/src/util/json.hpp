// The engine's one JSON adapter: json.cpp is the only core file that includes
// nlohmann-json (STYLE.md rule 4). The engine uses JSON for one thing: the
// report `plugins verify` passes from its child process to the parent
// (VerifyPlugin, chimp/verify.hpp). The encoding is private to one chimp
// binary talking to itself; it is not a stable format.
#ifndef CHIMP_UTIL_JSON_HPP_
#define CHIMP_UTIL_JSON_HPP_

#include <string>
#include <string_view>

#include "chimp/status.hpp"
#include "chimp/verify.hpp"

namespace chimp::internal {

// `report` as one line of JSON. Invalid UTF-8 (from a plugin's text, say) is
// replaced, never thrown on; the function does not throw.
std::string EncodeVerifyReport(const VerifyReport& report);

// The report EncodeVerifyReport wrote. Internal, with the parser's reason as
// the message, when `text` is not such a report (truncated, say).
// Round trip: DecodeVerifyReport(EncodeVerifyReport(r)) == r field by field,
// except crash_signal, which the parent sets (the child never has one).
Result<VerifyReport> DecodeVerifyReport(std::string_view text);

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_JSON_HPP_
