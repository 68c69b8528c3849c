// ShortenSql: one statement's text as messages quote it.
#ifndef CHIMP_SQL_SHORTEN_HPP_
#define CHIMP_SQL_SHORTEN_HPP_

#include <cstddef>
#include <string>
#include <string_view>

namespace chimp::internal {

enum class ShortenStyle {
  // Line breaks and tabs become one space each; cut to `limit` bytes with
  // "..." after. Step and adhoc messages.
  kOneLine,
  // Every run of blanks becomes one space, leading and trailing blanks are
  // dropped; cut to `limit` bytes (never inside a UTF-8 character) with "…"
  // after. The connection's server-error messages.
  kCollapseBlanks,
};

// The default cut, in bytes.
inline constexpr std::size_t kShortenLimit = 160;

// `sql` as a message quotes it: blanks replaced per `style`, cut after
// `limit` bytes with a mark that it was cut. Returns a new string.
std::string ShortenSql(std::string_view sql, ShortenStyle style = ShortenStyle::kOneLine,
                       std::size_t limit = kShortenLimit);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_SHORTEN_HPP_
