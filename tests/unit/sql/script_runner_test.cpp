// The ScriptRunner dialect (sql_splitter.hpp, SplitScriptRunner): one case
// per rule of CloudStack's com.cloud.utils.db.ScriptRunner, and the
// procedure files of the CloudStack corpus.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chimp/sql_splitter.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Texts(std::string_view script, std::string* tail = nullptr) {
  auto statements = SplitScriptRunner(script, "t.sql", tail);
  REQUIRE_MESSAGE(statements.ok(), statements.status().ToString());
  std::vector<std::string> out;
  for (const SqlStatement& s : *statements) out.push_back(s.text);
  return out;
}

TEST_CASE("script-runner: a statement ends on a line whose trimmed text ends with ';'") {
  CHECK(Texts("SELECT 1;\nSELECT 2;\n") == std::vector<std::string>{"SELECT 1 ", "SELECT 2 "});
  CHECK(Texts("SELECT 1;   \t\n") == std::vector<std::string>{"SELECT 1 "});
  // Only the last ';' of the line is removed; the rest of the line is sent.
  CHECK(Texts("SELECT 1; SELECT 2;\n") == std::vector<std::string>{"SELECT 1; SELECT 2 "});
  // A ';' that is not at the end of the line does not end anything.
  CHECK(Texts("SELECT ';' AS a,\n 2;\n") == std::vector<std::string>{"SELECT ';' AS a,  2 "});
}

TEST_CASE("script-runner: lines are joined with one space, leading blanks kept") {
  CHECK(Texts("CREATE TABLE t (\n  id INT\n);\n") == std::vector<std::string>{"CREATE TABLE t (   id INT ) "});
}

TEST_CASE("script-runner: lines starting with --, // or # are skipped, even mid-statement") {
  CHECK(Texts("-- c;\n  // c2;\n # c3;\nSELECT\n-- inner;\n# inner\n1;\n") == std::vector<std::string>{"SELECT 1 "});
  // "--" without a following space is still a comment line for the runner.
  CHECK(Texts("--x\nSELECT 1;") == std::vector<std::string>{"SELECT 1 "});
  // "/*" lines are not comments: they are sent.
  CHECK(Texts("/* c */\nSELECT 1;") == std::vector<std::string>{"/* c */ SELECT 1 "});
}

TEST_CASE("script-runner: -- cuts the rest of a non-final line, even inside quotes") {
  CHECK(Texts("SELECT 1 -- one\n, 2;\n") == std::vector<std::string>{"SELECT 1  , 2 "});
  CHECK(Texts("SELECT 'a--b',\n 'c';\n") == std::vector<std::string>{"SELECT 'a  'c' "});
  // On the final line "--" stays (the server reads it as a comment).
  CHECK(Texts("SELECT 1 -- one;\n") == std::vector<std::string>{"SELECT 1 -- one "});
}

TEST_CASE("script-runner: blank lines are skipped; CRLF, CR and LF all end lines") {
  CHECK(Texts("\n\n  \nSELECT\r\n1;\r\n\r\nSELECT 2;\rSELECT 3;") ==
        std::vector<std::string>{"SELECT 1 ", "SELECT 2 ", "SELECT 3 "});
}

TEST_CASE("script-runner: no DELIMITER command; procedure bodies on one line") {
  CHECK(Texts("DELIMITER $$\nSELECT 1;\n") == std::vector<std::string>{"DELIMITER $$ SELECT 1 "});
  CHECK(Texts("CREATE PROCEDURE p ()\nBEGIN\n\n  SET @a = 1; SET @b = 2; END;\n") ==
        std::vector<std::string>{"CREATE PROCEDURE p () BEGIN   SET @a = 1; SET @b = 2; END "});
}

TEST_CASE("script-runner: a trailing statement without ';' is never sent") {
  std::string tail;
  CHECK(Texts("SELECT 1;\nSELECT 2\n", &tail) == std::vector<std::string>{"SELECT 1 "});
  CHECK(tail == "SELECT 2 ");
  CHECK(Texts("SELECT 1;\n-- end\n", &tail) == std::vector<std::string>{"SELECT 1 "});
  CHECK(tail.empty());
  CHECK(Texts("").empty());
}

TEST_CASE("script-runner: line numbers and indexes") {
  auto statements = SplitScriptRunner("-- header\n\nSELECT\n  1;\nSELECT 2;\n", "t.sql");
  REQUIRE(statements.ok());
  REQUIRE(statements->size() == 2);
  CHECK((*statements)[0].first_line == 3);
  CHECK((*statements)[0].last_line == 4);
  CHECK((*statements)[0].index == 0);
  CHECK((*statements)[1].first_line == 5);
  CHECK((*statements)[1].last_line == 5);
  CHECK((*statements)[1].index == 1);
  CHECK((*statements)[1].kind == SqlStatement::Kind::kQuery);
}

TEST_CASE("script-runner: an empty statement is an error naming file and line") {
  auto statements = SplitScriptRunner("SELECT 1;\n  ;\n", "f.sql");
  REQUIRE_FALSE(statements.ok());
  CHECK(statements.status().code() == StatusCode::kInvalidArgument);
  CHECK(statements.status().message().find("f.sql:2:") == 0);
  CHECK(statements.status().message().find("Query was empty") != std::string::npos);
}

TEST_CASE("script-runner: bytes pass through (BOM, UTF-8, control characters trimmed only at the ends)") {
  CHECK(Texts("\xEF\xBB\xBFSELECT 1;") == std::vector<std::string>{"\xEF\xBB\xBFSELECT 1 "});
  CHECK(Texts("SELECT '\xC3\xA9';\x01\n") == std::vector<std::string>{"SELECT '\xC3\xA9' "});
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path CorpusDir() {
  // tests/unit/sql -> the checkout -> ../shared
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path().parent_path() / "shared" /
         "corpus" / "cloudstack" / "sql" / "procedures";
}

TEST_CASE("script-runner: every CloudStack procedure file splits into DROP + CREATE pairs") {
  const fs::path dir = CorpusDir();
  if (!fs::is_directory(dir)) {
    MESSAGE("skipped: the CloudStack corpus is not at " << dir.string());
    return;
  }
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const std::string script = ReadFile(entry.path());
    std::string tail;
    auto statements = SplitScriptRunner(script, name, &tail);
    REQUIRE_MESSAGE(statements.ok(), statements.status().ToString());
    CHECK(tail.empty());
    REQUIRE(!statements->empty());
    CHECK(statements->size() % 2 == 0);
    for (size_t i = 0; i < statements->size(); ++i) {
      const std::string& text = (*statements)[i].text;
      CAPTURE(text.substr(0, 80));
      CHECK(text.find('\n') == std::string::npos);  // lines are joined with spaces
      const std::string first = text.substr(text.find_first_not_of(' '), 6);
      CHECK(first == (i % 2 == 0 ? "DROP P" : "CREATE"));
      // The body ends with END (one file writes "END;;", and only the last
      // ';' is removed).
      if (i % 2 == 1) CHECK(text.substr(text.size() < 6 ? 0 : text.size() - 6).find("END") != std::string::npos);
    }
    // The client dialect cannot read these files: the bodies hold ';'.
    auto client = SplitSql(script, name);
    if (client.ok()) CHECK(client->size() != statements->size());
  }
  CHECK(files == 16);
}

}  // namespace
}  // namespace chimp
