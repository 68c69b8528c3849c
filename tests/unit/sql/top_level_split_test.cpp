// SplitTopLevel and the source's multi-statement chunks (issue 10, item 10):
// a chunk ended by a custom DELIMITER is the statements the server runs.
#include "sql/top_level_split.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sql/statement_source.hpp"

namespace chimp::internal {
namespace {

using Pieces = std::vector<std::string>;

Pieces Split(std::string_view text) {
  Pieces out;
  for (std::string_view piece : SplitTopLevel(text)) out.emplace_back(piece);
  return out;
}

Pieces Texts(const std::string& script) {
  auto split = SplitScript(script, SqlDialect::kClient, "s.sql");
  REQUIRE_MESSAGE(split.ok(), split.status().ToString());
  Pieces out;
  for (const ClassifiedStatement& s : *split) out.push_back(s.statement.text);
  return out;
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

TEST_CASE("top-level split: plain statements are cut at each ';', blanks and empty pieces dropped") {
  CHECK(Split("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)") ==
        Pieces{"INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)"});
  CHECK(Split("SELECT 1;\n;\nSELECT 2;  ") == Pieces{"SELECT 1", "SELECT 2"});
  CHECK(Split("SELECT 1; /* only a comment */") == Pieces{"SELECT 1; /* only a comment */"});
  CHECK(Split("SELECT 1") == Pieces{"SELECT 1"});
}

TEST_CASE("top-level split: ';' in strings, quoted names and comments is text") {
  CHECK(Split("SELECT 'a;b', `c;d`, \"e;f\" /* ; */ -- ;\n") == Pieces{"SELECT 'a;b', `c;d`, \"e;f\" /* ; */ -- ;\n"});
  CHECK(Split("SELECT 'it''s;', 'x\\';' ; SELECT 2") == Pieces{"SELECT 'it''s;', 'x\\';'", "SELECT 2"});
}

TEST_CASE("top-level split: a statement that ran as one keeps exactly its text") {
  const std::string proc =
      "CREATE DEFINER=`root`@`localhost` PROCEDURE p(IN n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n"
      "  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;\n  lbl: WHILE i < n DO\n    SET i = i + 1;\n"
      "    IF (i > 3) THEN LEAVE lbl; ELSEIF i = 2 THEN SELECT IF(i, 1, 2); ELSE SELECT 0; END IF;\n"
      "  END WHILE lbl;\n  REPEAT SET i = i - 1; UNTIL i = 0 END REPEAT;\n  l2: LOOP LEAVE l2; END LOOP;\n"
      "  CASE i WHEN 0 THEN SELECT CASE WHEN i THEN 1 ELSE IF(i, 2, 3) END; ELSE BEGIN END; END CASE;\n"
      "  FOR r IN 1..3 DO SELECT REPEAT('a', r); END FOR;\nEND;";
  CHECK(Split(proc) == Pieces{proc});
  const std::string trigger =
      "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF";
  CHECK(Split(trigger) == Pieces{trigger});
  const std::string event = "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; DELETE FROM u; END";
  CHECK(Split(event) == Pieces{event});
  const std::string block = "BEGIN NOT ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END";
  CHECK(Split(block) == Pieces{block});
  const std::string package = "CREATE OR REPLACE PACKAGE pk PROCEDURE a(); FUNCTION b() RETURNS INT; END";
  CHECK(Split(package) == Pieces{package});
  const std::string dump =
      "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER tr AFTER INSERT ON t FOR EACH ROW "
      "BEGIN INSERT INTO u VALUES (1); INSERT INTO u VALUES (2); END */";
  CHECK(Split(dump) == Pieces{dump});
}

TEST_CASE("top-level split: statements after a compound one are cut") {
  CHECK(Split("CREATE PROCEDURE p() BEGIN SELECT 1; END; CALL p()") ==
        Pieces{"CREATE PROCEDURE p() BEGIN SELECT 1; END", "CALL p()"});
  // A routine whose body is one plain statement ends at its ';', as the server ends it.
  CHECK(Split("CREATE PROCEDURE p() INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)") ==
        Pieces{"CREATE PROCEDURE p() INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)"});
  CHECK(Split("IF 1 THEN SELECT 1; END IF; SELECT 2") == Pieces{"IF 1 THEN SELECT 1; END IF", "SELECT 2"});
}

TEST_CASE("top-level split: BEGIN at the start of a statement is a transaction") {
  CHECK(Split("BEGIN; INSERT INTO t VALUES (1); COMMIT") == Pieces{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"});
  CHECK(Split("BEGIN WORK; XA BEGIN 'x'; SELECT 1") == Pieces{"BEGIN WORK", "XA BEGIN 'x'", "SELECT 1"});
  CHECK(Split("DROP TABLE IF EXISTS a; CREATE TABLE IF NOT EXISTS a (x INT)") ==
        Pieces{"DROP TABLE IF EXISTS a", "CREATE TABLE IF NOT EXISTS a (x INT)"});
}

TEST_CASE("statement source: a chunk under a custom DELIMITER is its statements, numbered with their lines") {
  const std::string script =
      "CREATE TABLE t (a INT);\nDELIMITER //\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)//\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; END;//\nDELIMITER ;\nSELECT 3;\n";
  auto split = SplitScript(script, SqlDialect::kClient, "s.sql");
  REQUIRE(split.ok());
  REQUIRE(split->size() == 5);
  CHECK((*split)[1].statement.text == "INSERT INTO t VALUES (1)");
  CHECK((*split)[2].statement.text == "INSERT INTO t VALUES (2)");
  CHECK((*split)[3].statement.text == "CREATE PROCEDURE p() BEGIN SELECT 1; END;");
  for (uint32_t i = 0; i < split->size(); ++i) CHECK((*split)[i].statement.index == i);
  CHECK((*split)[1].statement.first_line == 3);
  CHECK((*split)[2].statement.first_line == 4);
  CHECK((*split)[2].statement.last_line == 4);
  CHECK((*split)[4].statement.first_line == 7);

  StatementSource source(script, SqlDialect::kClient, "s.sql");
  CHECK(source.estimated() == 5);
  Pieces streamed;
  for (;;) {
    auto next = source.Next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    CHECK((*next)->statement.index == streamed.size());
    streamed.push_back((*next)->statement.text);
  }
  CHECK(streamed == Texts(script));
}

// The CloudStack corpus: every statement the client splitter returns is
// returned unchanged, so recorded statement counts and digests stay valid;
// and every procedure body ScriptRunner sends on one line stays one.
TEST_CASE("top-level split: the CloudStack corpus splits to the same statements as before") {
  const std::filesystem::path dir = CorpusDir();
  if (!std::filesystem::is_directory(dir)) {
    MESSAGE("skipped: no corpus at " << dir.string());
    return;
  }
  std::size_t files = 0, statements = 0, bodies = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const std::string script = ReadFile(entry.path());
    auto before = SplitSql(script, name);
    auto after = SplitClient(script, name);
    REQUIRE((before.ok() && after.ok()));
    REQUIRE(before->size() == after->size());
    for (std::size_t i = 0; i < before->size(); ++i) CHECK((*before)[i].text == (*after)[i].text);
    auto runner = SplitScriptRunner(script, name);
    REQUIRE(runner.ok());
    for (const SqlStatement& s : *runner) {
      if (s.text.find("BEGIN") == std::string::npos || s.text.find("CREATE") == std::string::npos) continue;
      ++bodies;
      CAPTURE(s.text);
      CHECK(SplitTopLevel(s.text).size() == 1);
    }
    ++files;
    statements += after->size();
  }
  CHECK(files > 0);
  MESSAGE(files << " files, " << statements << " statements unchanged, " << bodies << " compound bodies kept whole");
}

}  // namespace chimp::internal
