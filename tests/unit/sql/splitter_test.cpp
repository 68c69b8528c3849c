// Tests for SqlSplitter. Every expected text below is what the real
// `mariadb` client 10.11.19 (--no-defaults, batch mode, utf8 locale) sent to
// a private server for the same input, read from the COM_QUERY/COM_INIT_DB
// packets (strace of the client) and the server's general log. Inputs whose
// expectation is an error are client commands chimp refuses by design (see
// the table in chimp/sql_splitter.hpp).
#include "chimp/sql_splitter.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using chimp::SplitSql;
using chimp::SqlSplitter;
using chimp::SqlStatement;
using Texts = std::vector<std::string>;

namespace doctest {
template <>
struct StringMaker<Texts> {
  static String convert(const Texts& texts) {
    std::string out = "{";
    for (const std::string& t : texts) {
      out += out.size() > 1 ? ", \"" : "\"";
      for (char c : t) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '"' || c == '\\') out += std::string("\\") + c;
        else out += c;
      }
      out += '"';
    }
    return String((out + "}").c_str());
  }
};
}  // namespace doctest

namespace {

// The statements of `script`; a "use" shows as "USE:<database>".
Texts Split(std::string_view script) {
  auto result = SplitSql(script, "t.sql");
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  Texts out;
  for (const SqlStatement& s : *result)
    out.push_back(s.kind == SqlStatement::Kind::kUse ? "USE:" + s.database : s.text);
  return out;
}

// The error message splitting `script` ends with.
std::string ErrorOf(std::string_view script) {
  auto result = SplitSql(script, "t.sql");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == chimp::StatusCode::kInvalidArgument);
  return result.status().message();
}

// Re-joins statements into a script the client splits back into them: each
// statement followed by a delimiter that none of them contains.
std::string Join(const std::vector<SqlStatement>& statements) {
  const char* const kCandidates[] = {"$$", "//", ";;", "@@@", "~~", "|||", "%%%"};
  std::string delimiter;
  for (const char* candidate : kCandidates) {
    const bool clash = std::any_of(statements.begin(), statements.end(), [&](const SqlStatement& s) {
      return s.text.find(candidate) != std::string::npos || s.text.back() == candidate[0];
    });
    if (!clash) {
      delimiter = candidate;
      break;
    }
  }
  REQUIRE_FALSE(delimiter.empty());
  std::string script = "DELIMITER " + delimiter + "\n";
  for (const SqlStatement& s : statements) script += s.text + delimiter + "\n";
  return script;
}

std::string LTrim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\n\r\f\v"));
  return s;
}

// Splitting, re-joining and splitting again gives the same statements. The
// client drops blanks before a statement, so the first split is compared
// without its leading blanks; from then on the texts are a fixed point.
void CheckRoundTrip(std::string_view script) {
  auto first = SplitSql(script, "a.sql");
  REQUIRE(first.ok());
  const std::string joined = Join(*first);
  auto second = SplitSql(joined, "b.sql");
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  REQUIRE(first->size() == second->size());
  for (std::size_t i = 0; i < first->size(); ++i) {
    CHECK((*first)[i].kind == (*second)[i].kind);
    CHECK((*first)[i].database == (*second)[i].database);
    CHECK(LTrim((*first)[i].text) == (*second)[i].text);
  }
  auto third = SplitSql(Join(*second), "c.sql");
  REQUIRE(third.ok());
  REQUIRE(third->size() == second->size());
  for (std::size_t i = 0; i < third->size(); ++i) CHECK((*third)[i].text == (*second)[i].text);
}

std::filesystem::path CorpusDir() {
  if (const char* dir = std::getenv("CHIMP_SQL_CORPUS_DIR")) return dir;
  return "/work/shared/corpus/cloudstack/sql";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// --- Delimiters and statement boundaries ---------------------------------

TEST_CASE("splitter: ';' ends a statement and is not sent") {
  CHECK(Split("SELECT 1;\nSELECT  2 ;  \n") == Texts{"SELECT 1", "SELECT  2"});
  CHECK(Split("SELECT 1; SELECT 2;SELECT 3;") == Texts{"SELECT 1", "SELECT 2", "SELECT 3"});
}

TEST_CASE("splitter: empty statements are not sent") {
  CHECK(Split(";;;\nSELECT 1;;\n  ;\n-- c\n;\n/* x */;\n") == Texts{"SELECT 1"});
  CHECK(Split("").empty());
  CHECK(Split("\n\n  \n").empty());
  CHECK(Split("-- only a comment\n/* and another */\n").empty());
}

TEST_CASE("splitter: the last statement is sent without a delimiter") {
  CHECK(Split("SELECT 1;\nSELECT 2") == Texts{"SELECT 1", "SELECT 2"});
  CHECK(Split("SELECT 1;\nSELECT 2\n\n") == Texts{"SELECT 1", "SELECT 2"});
}

TEST_CASE("splitter: blanks before a statement are dropped, line breaks inside kept") {
  CHECK(Split("\n\nSELECT 1,\n  2;\n\n-- c\nSELECT 3\n\n") == Texts{"SELECT 1,\n  2", "SELECT 3"});
  CHECK(Split("SELECT 5\n\n   \n\t, 6;") == Texts{"SELECT 5\n\n   \n\t, 6"});
}

TEST_CASE("splitter: trailing blanks and control bytes are trimmed") {
  CHECK(Split("SELECT 14\x7f;\nSELECT 15 \t\x01;") == Texts{"SELECT 14", "SELECT 15"});
}

TEST_CASE("splitter: \\g and \\G end a statement like the delimiter") {
  CHECK(Split("SELECT 1\\g SELECT 2\\G\nSELECT 3 \\G;\nSELECT 4") ==
        Texts{"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"});
}

TEST_CASE("splitter: go and ego are commands only on a line of their own") {
  // At the start of a statement a line "go" sends nothing; inside one it is
  // text; as a whole statement "go;" the client sends "go" itself.
  CHECK(Split("go\nSELECT 1;") == Texts{"SELECT 1"});
  CHECK(Split("SELECT 4\ngo\ngo\n\\g") == Texts{"SELECT 4\ngo\ngo"});
  CHECK(Split("go;\nego;") == Texts{"go", "ego"});
}

// --- DELIMITER -------------------------------------------------------------

TEST_CASE("splitter: DELIMITER sets any string, any case, on a line of its own") {
  CHECK(Split("DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;;\n"
              "DELIMITER ;\nCALL p();\n") == Texts{"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "CALL p()"});
  CHECK(Split("  delimiter   $$  \nSELECT 1$$\nDeLiMiTeR '//'\nSELECT 2//\ndelimiter ;\nSELECT 3;") ==
        Texts{"SELECT 1", "SELECT 2", "SELECT 3"});
  CHECK(Split("delimiter \"a b\"\nSELECT 3a b\ndelimiter ;\n") == Texts{"SELECT 3"});
}

TEST_CASE("splitter: DELIMITER takes the rest of the word, ';' included") {
  CHECK(Split("delimiter $$;\nSELECT 1$$;\ndelimiter ;\nSELECT 2;") == Texts{"SELECT 1", "SELECT 2"});
}

TEST_CASE("splitter: DELIMITER inside a statement waits for the next delimiter") {
  // Real client: after "SELECT 5;" the rest of the line starts a statement
  // "delimiter //" that only runs at the next ";", and swallows SELECT 6
  // into the new delimiter "//SELECT". A DELIMITER line after unterminated
  // text is plain text.
  CHECK(Split("DELIMITER //\nSELECT 1; SELECT 2//\n  delimiter   $$  \nSELECT 3$$\n"
              "DeLiMiTeR ;\nSELECT 4;\nSELECT 5; delimiter //\nSELECT 6//\nSELECT 7;\n"
              "delimiter ;\nSELECT 8\nDELIMITER //\nSELECT 9;\ndelimiter ;\n") ==
        Texts{"SELECT 1; SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5", "SELECT 8\nDELIMITER //SELECT 9"});
  CHECK(Split("SELECT 2; delimiter $$\n;\nSELECT 3$$\n") == Texts{"SELECT 2", "SELECT 3"});
}

TEST_CASE("splitter: \\d changes the delimiter in the middle of a line") {
  CHECK(Split("SELECT 4\\d //\nSELECT 5//\n\\d ;\nSELECT 6;") == Texts{"SELECT 4\nSELECT 5", "SELECT 6"});
}

TEST_CASE("splitter: the delimiter is reported") {
  SqlSplitter splitter("DELIMITER $$\nSELECT 1$$\n", "d.sql");
  CHECK(splitter.delimiter() == ";");
  auto first = splitter.Next();
  REQUIRE(first.ok());
  CHECK(splitter.delimiter() == "$$");
  CHECK(splitter.source_name() == "d.sql");
}

TEST_CASE("splitter: bad DELIMITER commands are errors") {
  CHECK(ErrorOf("SELECT 4; delimiter\n;\n") == "t.sql:2: DELIMITER must be followed by the new delimiter");
  CHECK(ErrorOf("delimiter\n") == "t.sql:1: DELIMITER must be followed by the new delimiter");
  CHECK(ErrorOf("delimiter \\\n") == "t.sql:1: DELIMITER '\\' contains a backslash, which the client refuses");
  CHECK(ErrorOf("SELECT 1;\ndelimiter abcdefghijklmnopqrstuvwxyz\n") ==
        "t.sql:2: DELIMITER 'abcdefghijklmnopqrstuvwxyz' is 26 bytes long; the client keeps "
        "only the first 15");
  CHECK(Split("delimiter abcdefghijklmno\nSELECT 1abcdefghijklmno") == Texts{"SELECT 1"});
}

// --- Comments --------------------------------------------------------------

TEST_CASE("splitter: -- needs whitespace or the end of the line, except at statement start") {
  CHECK(Split("SELECT 1 -- c\n, 2;\nSELECT 3 --x\n;\n--x\nSELECT 4;\nSELECT 5 #h\n;\n"
              "SELECT 6--\n;\nSELECT 7 --\t1\n;\n") ==
        Texts{"SELECT 1 \n, 2", "SELECT 3 --x", "SELECT 4", "SELECT 5", "SELECT 6", "SELECT 7"});
  // A control byte is not whitespace; a vertical tab is.
  CHECK(Split("SELECT 7 --\x01x\n;\nSELECT 8 --\x0bx\n;") == Texts{"SELECT 7 --\x01x", "SELECT 8"});
  // Inside a statement, a line starting "--x" is text.
  CHECK(Split("SELECT 1\n--x\n;") == Texts{"SELECT 1\n--x"});
}

TEST_CASE("splitter: # comments run to the end of the line") {
  CHECK(Split("SELECT 1 # c ; x\n, 2;\n#SELECT 3;\nSELECT 4;# tail\n") == Texts{"SELECT 1 \n, 2", "SELECT 4"});
}

TEST_CASE("splitter: /* */ comments are removed and leave one space before text") {
  CHECK(Split("SELECT /* a\nb */ 1;\nSELECT /*c*/2;\nSELECT 3/*c*/;\nSELECT/*c*/4;\n/* only */\nSELECT 5;\n") ==
        Texts{"SELECT  1", "SELECT  2", "SELECT 3", "SELECT 4", "SELECT 5"});
  CHECK(Split("SELECT 1; /* c */ SELECT 2;\n/* c */SELECT 3;\nSELECT 4 /* c */ ;\n") ==
        Texts{"SELECT 1", " SELECT 2", " SELECT 3", "SELECT 4"});
  CHECK(Split("SELECT 9 /* multi\n line */ , 10;\n/*\n*/ SELECT 12;\nSELECT 13 /* c\n*/;\n") ==
        Texts{"SELECT 9  , 10", " SELECT 12", "SELECT 13"});
  // Not nested: the first */ ends the comment.
  CHECK(Split("SELECT 1 /* a /* b */ + 2 */;") == Texts{"SELECT 1  + 2 */"});
}

TEST_CASE("splitter: /*! */ and /*M! */ are kept with their version") {
  CHECK(Split("/*!40101 SET @a=1 */;\n/*M!100100 SET @b=2 */;\nSELECT /*!50000 1, */ 2;\n") ==
        Texts{"/*!40101 SET @a=1 */", "/*M!100100 SET @b=2 */", "SELECT /*!50000 1, */ 2"});
  // A delimiter inside an executable comment still ends the statement.
  CHECK(Split("/*!50003 SELECT 1; */") == Texts{"/*!50003 SELECT 1", "*/"});
}

TEST_CASE("splitter: a /* */ inside /*! */ ends at the second */") {
  CHECK(Split("/*!40101 SET /* c */ @x=1 */;\n") == Texts{"/*!40101 SET"});
}

TEST_CASE("splitter: mariadb-dump's sandbox line is accepted and kept as text") {
  CHECK(Split("/*M!999999\\- enable the sandbox mode */\nSELECT 1;\n") ==
        Texts{"/*M!999999 enable the sandbox mode */\nSELECT 1"});
  CHECK(Split("sandbox\nSELECT 1;") == Texts{"SELECT 1"});
}

// --- Quotes ----------------------------------------------------------------

TEST_CASE("splitter: quotes hide delimiters and comment markers") {
  CHECK(Split("SELECT 'x;y';\nSELECT `a;b` FROM (SELECT 1 AS `a;b`) t;\nSELECT \"a;b\" AS `c\\`;\n") ==
        Texts{"SELECT 'x;y'", "SELECT `a;b` FROM (SELECT 1 AS `a;b`) t", "SELECT \"a;b\" AS `c\\`"});
  CHECK(Split("SELECT 'a /* b */ # c -- d' AS `x``y`;") == Texts{"SELECT 'a /* b */ # c -- d' AS `x``y`"});
}

TEST_CASE("splitter: doubled quotes and backslash escapes stay inside the string") {
  CHECK(Split("SELECT 'it''s', \"q\\\"q\";\nSELECT 'a\\';b';") ==
        Texts{"SELECT 'it''s', \"q\\\"q\"", "SELECT 'a\\';b'"});
}

TEST_CASE("splitter: a backslash at the end of a line is dropped, even in a string") {
  CHECK(Split("SELECT 'a\\\nb';") == Texts{"SELECT 'a\nb'"});
  CHECK(Split("SELECT 1 \\\n;") == Texts{"SELECT 1"});
}

TEST_CASE("splitter: \\N is not a command") {
  CHECK(Split("SELECT \\N;\nSELECT 15 \\N;") == Texts{"SELECT \\N", "SELECT 15 \\N"});
}

TEST_CASE("splitter: NO_BACKSLASH_ESCAPES and ANSI_QUOTES apply from the next statement") {
  const std::string script =
      "SET sql_mode='NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';\nSELECT 2;\n"
      "SET sql_mode='ANSI_QUOTES';\nSELECT \"a\\\";\nSELECT 'b\\';\nSELECT 3';\n"
      "SET sql_mode='';\nSELECT 1 AS `a\\`;\nSELECT 4;\n"
      "SET SESSION sql_mode='NO_BACKSLASH_ESCAPES'; SELECT 'x\\'; SELECT 5;\n";
  SqlSplitter splitter(script, "modes.sql");
  auto next = [&]() -> std::string {
    auto r = splitter.Next();
    REQUIRE(r.ok());
    return *r ? (*r)->text : "<end>";
  };
  CHECK(next() == "SET sql_mode='NO_BACKSLASH_ESCAPES'");
  splitter.SetNoBackslashEscapes(true);
  CHECK(next() == "SELECT 'a\\'");
  CHECK(next() == "SELECT 2");
  CHECK(next() == "SET sql_mode='ANSI_QUOTES'");
  splitter.SetNoBackslashEscapes(false);
  splitter.SetAnsiQuotes(true);
  CHECK(next() == "SELECT \"a\\\"");
  CHECK(next() == "SELECT 'b\\';\nSELECT 3'");  // ' strings still escape
  CHECK(next() == "SET sql_mode=''");
  splitter.SetAnsiQuotes(false);
  CHECK(next() == "SELECT 1 AS `a\\`");  // never an escape in backticks
  CHECK(next() == "SELECT 4");
  CHECK(next() == "SET SESSION sql_mode='NO_BACKSLASH_ESCAPES'");
  splitter.SetNoBackslashEscapes(true);  // takes effect mid-line, as in the client
  CHECK(next() == "SELECT 'x\\'");
  CHECK(next() == "SELECT 5");
  CHECK(next() == "<end>");

  // Without the mode changes the same bytes split differently.
  CHECK(Split("SELECT 'a\\';\nSELECT 2';") == Texts{"SELECT 'a\\';\nSELECT 2'"});
}

// --- Bytes, lines, encodings -----------------------------------------------

TEST_CASE("splitter: CR LF line ends become LF") {
  CHECK(Split("SELECT 1;\r\nSELECT 'a\r\nb'\r\n;\r\nSELECT 3\r") == Texts{"SELECT 1", "SELECT 'a\nb'", "SELECT 3"});
}

TEST_CASE("splitter: a UTF-8 BOM is skipped on the first line only") {
  CHECK(Split("\xEF\xBB\xBFSELECT 1;\n\xEF\xBB\xBFSELECT 2;\n") == Texts{"SELECT 1", "\xEF\xBB\xBFSELECT 2"});
  CHECK(Split("\xEF\xBB\xBF"
              "DELIMITER //\nSELECT 1//") == Texts{"SELECT 1"});
}

TEST_CASE("splitter: multibyte characters are copied whole") {
  CHECK(Split("SELECT 1 AS \xC3\xA0;\nSELECT 2 AS \xC3\xA0\n") ==
        Texts{"SELECT 1 AS \xC3\xA0", "SELECT 2 AS \xC3\xA0"});
  // They take no space after */, and a delimiter starting with one never matches.
  CHECK(Split("/*c*/\xC3\xA0x;") == Texts{"\xC3\xA0 x"});
  CHECK(Split("DELIMITER \xC3\xA0\nSELECT 5\xC3\xA0\nSELECT 6 \xC3\xA0 SELECT 7;\nDELIMITER ;\n") ==
        Texts{"SELECT 5\xC3\xA0\nSELECT 6 \xC3\xA0 SELECT 7;\nDELIMITER ;"});
  // Invalid bytes count as printable text.
  CHECK(Split("SELECT 1 AS x\xA0;\n\xA0SELECT 2;\n") == Texts{"SELECT 1 AS x\xA0", "\xA0SELECT 2"});
}

TEST_CASE("splitter: a NUL byte is an error") {
  CHECK(ErrorOf(std::string_view("SELECT 1;\nSELECT \0;\n", 21)) ==
        "t.sql:2: NUL byte in the script; the client refuses ASCII '\\0' outside --binary-mode");
}

TEST_CASE("splitter: lines and indexes locate each statement") {
  auto result =
      SplitSql("\n\nSELECT 1,\n  2;\n\n-- c\nSELECT 3\n\nuse db\nSELECT 4; SELECT 5\n;\nSELECT 6\n\n", "l.sql");
  REQUIRE(result.ok());
  const auto& s = *result;
  REQUIRE(s.size() == 4);
  CHECK(s[0].text == "SELECT 1,\n  2");
  CHECK((s[0].first_line == 3 && s[0].last_line == 4 && s[0].index == 0));
  CHECK(s[1].text == "SELECT 3\n\nuse db\nSELECT 4");  // "use" inside a statement is text
  CHECK((s[1].first_line == 7 && s[1].last_line == 10 && s[1].index == 1));
  CHECK(s[2].text == "SELECT 5");
  CHECK((s[2].first_line == 10 && s[2].last_line == 11 && s[2].index == 2));
  CHECK(s[3].text == "SELECT 6");
  CHECK((s[3].first_line == 12 && s[3].last_line == 12 && s[3].index == 3));  // no delimiter
}

// --- Client commands -------------------------------------------------------

TEST_CASE("splitter: use is returned for the executor, parsed as the client parses it") {
  auto result = SplitSql(
      "\\u mysql; SELECT 1;\nuse `my db`\nuse `a``b`;\nUSE test ;\n"
      "SELECT 2 \\u `a``b`\nSELECT 3;\n\\u\tmysql x\nSELECT 1; use mysql\n;\n",
      "u.sql");
  REQUIRE(result.ok());
  const auto& s = *result;
  REQUIRE(s.size() == 10);
  CHECK(s[0].kind == SqlStatement::Kind::kUse);
  CHECK(s[0].database == "mysql;");  // \u takes the word up to a space
  CHECK(s[0].text == "USE `mysql;`");
  CHECK(s[1].text == "SELECT 1");
  CHECK(s[2].database == "my db");
  CHECK(s[3].database == "a`b");
  CHECK(s[3].text == "USE `a``b`");
  CHECK(s[4].database == "test");
  CHECK(s[5].database == "a");  // \u does not undouble quotes; it runs before SELECT 2 is sent
  CHECK((s[5].first_line == 5 && s[5].last_line == 5));
  CHECK(s[6].text == "SELECT 2 \nSELECT 3");
  CHECK(s[7].database == "mysql");
  CHECK(s[8].text == "SELECT 1");
  CHECK(s[9].database == "mysql\n");
  CHECK((s[9].first_line == 8 && s[9].last_line == 9));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(s[i].index == i);
}

TEST_CASE("splitter: a use line containing the delimiter is sent as SQL") {
  CHECK(Split("USE `my;db`\nSELECT 7;") == Texts{"USE `my;db`\nSELECT 7"});
  CHECK(ErrorOf("use\n") == "t.sql:1: USE must be followed by a database name");
}

TEST_CASE("splitter: a command word followed by arguments it does not take is SQL") {
  CHECK(Split("sandbox x;\nstatus x;\nclear x;\nquit now;") == Texts{"sandbox x", "status x", "clear x", "quit now"});
}

TEST_CASE("splitter: unsupported client commands are refused with their line") {
  CHECK(ErrorOf("SELECT 1;\nsource other.sql\n") ==
        "t.sql:2: client command 'source' (\\.) is not supported by chimp: put the statements of "
        "that file in this script or in a step of their own");
  CHECK(ErrorOf("\\. other.sql") ==
        "t.sql:1: client command 'source' (\\.) is not supported by chimp: put the statements of "
        "that file in this script or in a step of their own");
  CHECK(ErrorOf("SELECT 1;\nquit\n") ==
        "t.sql:2: client command 'quit' (\\q) is not supported by chimp: a step ends at the end "
        "of its script; remove it");
  CHECK(ErrorOf("SELECT 1;\n\nexit;") ==
        "t.sql:3: client command 'exit' (\\q) is not supported by chimp: a step ends at the end "
        "of its script; remove it");
  CHECK(ErrorOf("SELECT 1 \\q") ==
        "t.sql:1: client command 'exit' (\\q) is not supported by chimp: a step ends at the end "
        "of its script; remove it");
  CHECK(ErrorOf("charset utf8mb4\n") ==
        "t.sql:1: client command 'charset' (\\C) is not supported by chimp: chimp sends scripts "
        "as utf8mb4; use SET NAMES in SQL if the session needs another character set");
  CHECK(ErrorOf("SELECT 3 /*! \\C utf8 */;") ==
        "t.sql:1: client command 'charset' (\\C) is not supported by chimp: chimp sends scripts "
        "as utf8mb4; use SET NAMES in SQL if the session needs another character set");
  CHECK(ErrorOf("SELECT 1 \\c\nSELECT 2;") ==
        "t.sql:1: client command 'clear' (\\c) is not supported by chimp: it throws away the "
        "statement typed so far; remove the command and that text");
  CHECK(ErrorOf("SELECT 3 \\W;") ==
        "t.sql:1: client command 'warnings' (\\W) is not supported by chimp: it only changes how "
        "the interactive client behaves or shows results; remove it");
  CHECK(ErrorOf("\n\nsystem ls\n") ==
        "t.sql:3: client command 'system' (\\!) is not supported by chimp: chimp does not run "
        "shell commands; remove it");
  CHECK(ErrorOf("help contents;") ==
        "t.sql:1: client command 'help' (\\h) is not supported by chimp: it only changes how the "
        "interactive client behaves or shows results; remove it");
}

TEST_CASE("splitter: an unknown backslash command is an error") {
  CHECK(ErrorOf("SELECT 1;\nSELECT \\x;\n") ==
        "t.sql:2: unknown client command '\\x' (outside quotes a backslash starts a client command)");
  CHECK(ErrorOf("SELECT \\\xC3\xA0;") ==
        "t.sql:1: unknown client command '\\\\xc3' (outside quotes a backslash starts a client command)");
}

TEST_CASE("splitter: commands are text inside quotes and comments") {
  CHECK(Split("SELECT '\\c', \"\\q\";\n/* \\q source x */ SELECT 1;\n-- \\q\nSELECT 2;") ==
        Texts{"SELECT '\\c', \"\\q\"", " SELECT 1", "SELECT 2"});
  CHECK(Split("SELECT 'a\nsource x\n';") == Texts{"SELECT 'a\nsource x\n'"});
}

// --- Errors ----------------------------------------------------------------

TEST_CASE("splitter: an unterminated quote names the line it began on") {
  CHECK(ErrorOf("SELECT 1;\nSELECT 'abc\n;\n") ==
        "t.sql:2: unterminated '-quoted string: it began on line 2 and is still open at the end "
        "of the script (line 3)");
  CHECK(ErrorOf("SELECT 1;\nSELECT `abc\n;\n") ==
        "t.sql:2: unterminated `-quoted identifier: it began on line 2 and is still open at the "
        "end of the script (line 3)");
  CHECK(ErrorOf("SELECT \"a\\\";\n") ==
        "t.sql:1: unterminated \"-quoted string: it began on line 1 and is still open at the end "
        "of the script (line 1)");
}

TEST_CASE("splitter: an unterminated comment names the line it began on") {
  CHECK(ErrorOf("SELECT 1;\n/* abc\n;\n") ==
        "t.sql:2: unterminated /* comment: it began on line 2 and is still open at the end of the "
        "script (line 3)");
}

TEST_CASE("splitter: statements before an error are returned, then the error repeats") {
  SqlSplitter splitter("SELECT 1;\nSELECT 'x", "e.sql");
  auto first = splitter.Next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->text == "SELECT 1");
  auto second = splitter.Next();
  REQUIRE_FALSE(second.ok());
  auto third = splitter.Next();
  REQUIRE_FALSE(third.ok());
  CHECK(second.status().message() == third.status().message());

  SqlSplitter done("SELECT 1", "f.sql");
  REQUIRE(done.Next().ok());
  for (int i = 0; i < 2; ++i) {
    auto end = done.Next();
    REQUIRE(end.ok());
    CHECK_FALSE(end->has_value());
  }
}

// --- Round trips -----------------------------------------------------------

TEST_CASE("splitter: re-joined statements split into the same statements") {
  CheckRoundTrip("SELECT 1;\nSELECT  2 ;\nSELECT 1; /* c */ SELECT 2;\n");
  CheckRoundTrip(
      "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT '$$;'; END;;\n"
      "DELIMITER ;\nCALL p();\nuse `a``b`\n\\u x;\nSELECT 'it''s' -- c\n, `a;b`;\n"
      "/*!40101 SET @a=1 */;\nSELECT \\N, 'a\\'b', \"q\\\"q\";\nSELECT 8 --x\n;");
  CheckRoundTrip("SELECT 1 /* a\nb */ , 2 # x\n;\nSELECT 'x //' AS `$$`, '~~|||' AS `@@@`;\ngo;\n");
}

// --- CausesImplicitCommit --------------------------------------------------

TEST_CASE("splitter: DDL and the other statements that commit are recognised") {
  for (const char* s : {"CREATE TABLE t (a INT)",
                        "create table t (a int)",
                        "ALTER TABLE t ADD b INT",
                        "DROP TABLE t",
                        "RENAME TABLE a TO b",
                        "TRUNCATE TABLE t",
                        "TRUNCATE t",
                        "CREATE DATABASE d",
                        "DROP SCHEMA d",
                        "CREATE OR REPLACE VIEW v AS SELECT 1",
                        "CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1",
                        "CREATE DEFINER=CURRENT_USER() PROCEDURE p() SELECT 1",
                        "CREATE DEFINER='a'@'b' TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a=1",
                        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1",
                        "DROP EVENT e",
                        "CREATE FUNCTION f() RETURNS INT RETURN 1",
                        "CREATE UNIQUE INDEX i ON t (a)",
                        "DROP INDEX i ON t",
                        "CREATE USER u",
                        "DROP USER u",
                        "RENAME USER a TO b",
                        "GRANT ALL ON *.* TO u",
                        "REVOKE ALL ON *.* FROM u",
                        "SET PASSWORD = 'x'",
                        "CREATE ROLE r",
                        "CREATE SEQUENCE s",
                        "LOCK TABLES t WRITE",
                        "UNLOCK TABLES",
                        "ANALYZE TABLE t",
                        "OPTIMIZE NO_WRITE_TO_BINLOG TABLE t",
                        "REPAIR TABLE t",
                        "CHECK TABLE t",
                        "FLUSH PRIVILEGES",
                        "RESET MASTER",
                        "BEGIN",
                        "BEGIN WORK",
                        "START TRANSACTION",
                        "START SLAVE",
                        "STOP REPLICA",
                        "CHANGE MASTER TO x=1",
                        "CACHE INDEX t IN c",
                        "LOAD INDEX INTO CACHE t",
                        "SET autocommit=1",
                        "SET @@session.autocommit = ON",
                        "SET SESSION autocommit := 1",
                        "INSTALL SONAME 'x'",
                        "SHUTDOWN"}) {
    CAPTURE(s);
    CHECK(chimp::CausesImplicitCommit(s));
  }
}

TEST_CASE("splitter: DML and the documented exceptions do not commit") {
  for (const char* s : {"SELECT 1",
                        "INSERT INTO t VALUES (1)",
                        "UPDATE t SET a=1",
                        "DELETE FROM t",
                        "CREATE TEMPORARY TABLE t (a INT)",
                        "CREATE OR REPLACE TEMPORARY TABLE t (a INT)",
                        "DROP TEMPORARY TABLE t",
                        "CREATE FUNCTION f RETURNS STRING SONAME 'f.so'",
                        "DROP PREPARE s",
                        "BEGIN NOT ATOMIC SELECT 1; END",
                        "SET autocommit=0",
                        "SET GLOBAL autocommit=1",
                        "SET @autocommit=1",
                        "SET NAMES utf8mb4",
                        "ANALYZE SELECT 1",
                        "CHECKSUM TABLE t",
                        "LOAD DATA INFILE 'x' INTO TABLE t",
                        "CALL p()",
                        "EXECUTE s",
                        "COMMIT",
                        "ROLLBACK",
                        "",
                        "   ",
                        "-- only\n",
                        "/*!40101 SET NAMES utf8 */",
                        "(SELECT 1)",
                        "USE db"}) {
    CAPTURE(s);
    CHECK_FALSE(chimp::CausesImplicitCommit(s));
  }
}

TEST_CASE("splitter: implicit commit skips comments and reads executable comments") {
  CHECK(chimp::CausesImplicitCommit("-- c\n# d\n/* e */ CREATE TABLE t (a INT)"));
  CHECK(chimp::CausesImplicitCommit("/*!40000 ALTER TABLE `t` DISABLE KEYS */"));
  CHECK(chimp::CausesImplicitCommit(
      "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY "
      "DEFINER */\n/*!50001 VIEW `v` AS SELECT 1 */"));
  CHECK(chimp::CausesImplicitCommit("/*M!100100 DROP TABLE t */"));
  CHECK(chimp::CausesImplicitCommit("/*! CREATE TABLE t (a INT) */"));
  CHECK_FALSE(chimp::CausesImplicitCommit("/*!999999 CREATE TABLE t (a INT) */ SELECT 1"));
  CHECK_FALSE(chimp::CausesImplicitCommit("/*M!999999 enable the sandbox mode */\nSELECT 1"));
  CHECK_FALSE(chimp::CausesImplicitCommit("/*!40101 CREATE */ TEMPORARY TABLE t (a INT)"));
  CHECK_FALSE(chimp::CausesImplicitCommit("--not a comment\nCREATE TABLE t (a INT)"));
}

// --- Corpus ----------------------------------------------------------------

TEST_CASE("splitter: the CloudStack corpus splits as the real client splits it") {
  const std::filesystem::path dir = CorpusDir();
  if (!std::filesystem::is_directory(dir)) {
    MESSAGE("skipped: no corpus at " << dir.string());
    return;
  }
  // Statement counts (queries plus "use") from running each file through
  // mariadb 10.11.19 into a private server and reading its general log.
  const std::map<std::string, std::size_t> kClientCounts = {
      {"create-database.sql", 17},
      {"create-schema.sql", 344},
      {"create-schema-premium.sql", 68},
      {"create-default-role-api-mappings.sql", 878},
      {"templates.sql", 542},
      {"schema-430to440.sql", 1789},
      {"procedures/cloud.idempotent_add_column.sql", 10},
  };
  std::size_t files = 0, bytes = 0, statements = 0;
  std::chrono::steady_clock::duration elapsed{};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    const std::string name = std::filesystem::relative(entry.path(), dir).generic_string();
    const std::string script = ReadFile(entry.path());
    const auto start = std::chrono::steady_clock::now();
    auto result = SplitSql(script, name);
    elapsed += std::chrono::steady_clock::now() - start;
    CAPTURE(name);
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    ++files;
    bytes += script.size();
    statements += result->size();
    if (auto it = kClientCounts.find(name); it != kClientCounts.end()) CHECK(result->size() == it->second);
    if (name == "create-database.sql") {
      CHECK(std::count_if(result->begin(), result->end(),
                          [](const SqlStatement& s) { return s.kind == SqlStatement::Kind::kUse; }) == 1);
    }
    if (name == "create-schema.sql" || name == "create-database.sql") CheckRoundTrip(script);
  }
  CHECK(files > 0);
  MESSAGE("split " << files << " files, " << bytes << " bytes, " << statements << " statements in "
                   << std::chrono::duration<double, std::milli>(elapsed).count() << " ms");
}
