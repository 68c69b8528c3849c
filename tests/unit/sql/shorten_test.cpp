#include "sql/shorten.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

TEST_CASE("shorten: one line, cut with ...") {
  CHECK(ShortenSql("SELECT\n1,\t2\r") == "SELECT 1, 2 ");
  CHECK(ShortenSql("  two  spaces") == "  two  spaces");
  const std::string long_sql(200, 'x');
  CHECK(ShortenSql(long_sql) == std::string(160, 'x') + "...");
  CHECK(ShortenSql(std::string(160, 'x')) == std::string(160, 'x'));
  CHECK(ShortenSql("abcdef", ShortenStyle::kOneLine, 3) == "abc...");
}

TEST_CASE("shorten: blanks collapsed, cut on a UTF-8 boundary with an ellipsis") {
  CHECK(ShortenSql("  SELECT \n\t 1  ", ShortenStyle::kCollapseBlanks) == "SELECT 1");
  CHECK(ShortenSql("abcdef", ShortenStyle::kCollapseBlanks, 3) == "abc\xE2\x80\xA6");
  CHECK(ShortenSql("abc", ShortenStyle::kCollapseBlanks, 3) == "abc");
  // "é" is two bytes: a cut inside it moves back before it.
  CHECK(ShortenSql("ab\xC3\xA9z", ShortenStyle::kCollapseBlanks, 3) == "ab\xE2\x80\xA6");
}

}  // namespace
}  // namespace chimp::internal
