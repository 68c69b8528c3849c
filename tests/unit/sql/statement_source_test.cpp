#include "sql/statement_source.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

std::vector<std::string> Texts(StatementSource& source) {
  std::vector<std::string> out;
  for (;;) {
    auto next = source.Next();
    REQUIRE_MESSAGE(next.ok(), next.status().ToString());
    if (!next->has_value()) return out;
    out.push_back((*next)->statement.text);
  }
}

TEST_CASE("statement source: the client dialect, classified, following the session's modes") {
  const std::string script = "CREATE TABLE t (a INT);\nSELECT 'a\\';\nSELECT 2;";
  StatementSource source(script, SqlDialect::kClient, "s.sql");
  CHECK(source.estimated() == 0);  // with the default modes the string never closes
  auto first = source.Next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->info.commits_implicitly);
  CHECK((*first)->info.first_keyword == "CREATE");
  SessionFlags flags;
  flags.no_backslash_escapes = true;
  source.Follow(flags);
  // With NO_BACKSLASH_ESCAPES the backslash is text, so the quote after it
  // closes the string (without, the string would run to the end).
  CHECK(Texts(source) == std::vector<std::string>{"SELECT 'a\\'", "SELECT 2"});
}

TEST_CASE("statement source: the ScriptRunner dialect splits up front") {
  const std::string script = "SELECT 1;\nSELECT 'a' -- x\n, 2;\ntail";
  StatementSource source(script, SqlDialect::kScriptRunner, "s.sql");
  CHECK(source.estimated() == 2);
  CHECK(Texts(source) == std::vector<std::string>{"SELECT 1 ", "SELECT 'a'  , 2 "});
}

TEST_CASE("statement source: statements given back come next, then the error") {
  const std::string script = "SELECT 1; SELECT 2; SELECT 3;";
  StatementSource source(script, SqlDialect::kClient, "s.sql");
  auto one = source.Next();
  auto two = source.Next();
  REQUIRE((one.ok() && two.ok()));
  std::vector<ClassifiedStatement> back;
  back.push_back(std::move(**one));
  back.push_back(std::move(**two));
  source.PutBack(std::move(back));
  source.PutBack(Status::InvalidArgument("s.sql:1: boom"));
  CHECK((*source.Next())->statement.text == "SELECT 1");
  CHECK((*source.Next())->statement.text == "SELECT 2");
  CHECK(source.Next().status().message() == "s.sql:1: boom");
}

TEST_CASE("statement source: a split error names the source") {
  StatementSource source("SELECT 'open", SqlDialect::kClient, "bad.sql");
  CHECK(source.estimated() == 0);
  auto next = source.Next();
  REQUIRE_FALSE(next.ok());
  CHECK(next.status().message().rfind("bad.sql:1: ", 0) == 0);
  auto split = SplitScript("SELECT 1;\n;\n", SqlDialect::kScriptRunner, "sr.sql");
  REQUIRE_FALSE(split.ok());
  CHECK(split.status().message().rfind("sr.sql:2: ", 0) == 0);
}

TEST_CASE("statement source: SplitScript returns every statement with its class") {
  auto split = SplitScript("USE db;\nDROP TABLE t;", SqlDialect::kClient, "s.sql");
  REQUIRE(split.ok());
  REQUIRE(split->size() == 2);
  CHECK((*split)[0].statement.kind == SqlStatement::Kind::kUse);
  CHECK((*split)[0].info.replays_on_resume);
  CHECK((*split)[1].info.ddl.probeable);
}

TEST_CASE("statement source: literal sql_mode values are read without a server") {
  auto ansi = LiteralSessionModes("SET SESSION sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'");
  REQUIRE(ansi.has_value());
  CHECK(ansi->ansi_quotes);
  CHECK(ansi->no_backslash_escapes);
  auto reset = LiteralSessionModes("set sql_mode = DEFAULT");
  REQUIRE(reset.has_value());
  CHECK_FALSE(reset->ansi_quotes);
  CHECK_FALSE(reset->no_backslash_escapes);
  CHECK_FALSE(LiteralSessionModes("SET GLOBAL sql_mode = 'ANSI_QUOTES'").has_value());
  CHECK_FALSE(LiteralSessionModes("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')").has_value());
  CHECK_FALSE(LiteralSessionModes("SELECT 'sql_mode'").has_value());
}

TEST_CASE("statement source: a load-time split follows literal modes") {
  const std::string script = "SET sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';\nSELECT 2;";
  auto split = SplitScriptFollowingLiteralModes(script, SqlDialect::kClient, "s.sql");
  REQUIRE_MESSAGE(split.ok(), split.status().ToString());
  REQUIRE(split->size() == 3);
  CHECK((*split)[1].statement.text == "SELECT 'a\\'");
}

}  // namespace
}  // namespace chimp::internal
