#include "sql/statement_info.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

SqlStatement Use(const char* database) {
  SqlStatement s;
  s.kind = SqlStatement::Kind::kUse;
  s.database = database;
  s.text = std::string("USE `") + database + "`";
  return s;
}

TEST_CASE("classifier: the first keyword, upper-cased, after comments") {
  CHECK(Classify("  /* c */ select 1").first_keyword == "SELECT");
  CHECK(Classify("/*!40101 SET NAMES utf8 */").first_keyword == "SET");
  CHECK(Classify("(SELECT 1)").first_keyword.empty());
  CHECK(Classify("").first_keyword.empty());
}

TEST_CASE("classifier: what runs alone in a DDL step") {
  for (const char* s : {"ALTER TABLE t ADD c INT", "CALL p()", "EXECUTE s", "COMMIT", "ROLLBACK", "XA START 'x'",
                        "SAVEPOINT a", "RELEASE SAVEPOINT a", "BEGIN", "START TRANSACTION", "LOCK TABLES t WRITE",
                        "UNLOCK TABLES", "SET autocommit = 0", "SET @@autocommit = 1"}) {
    CAPTURE(s);
    CHECK(Classify(s).runs_alone);
  }
  for (const char* s : {"INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "SET @a = 1", "SET NAMES utf8mb4", "SELECT 1",
                        "CREATE TEMPORARY TABLE t (a INT)"}) {
    CAPTURE(s);
    CHECK_FALSE(Classify(s).runs_alone);
  }
  CHECK_FALSE(Classify(Use("db")).runs_alone);
}

TEST_CASE("classifier: what replays on resume") {
  CHECK(Classify(Use("db")).replays_on_resume);
  for (const char* s : {"SET @a = 1", "SET sql_mode = 'ANSI_QUOTES'", "SET NAMES utf8mb4", "set @@session.x = 2",
                        "/*!40014 SET FOREIGN_KEY_CHECKS=0 */"}) {
    CAPTURE(s);
    CHECK(Classify(s).replays_on_resume);
  }
  for (const char* s :
       {"SET GLOBAL x = 1", "SET @@global.x = 1", "SET PASSWORD = 'x'", "SET ROLE r", "SET autocommit = 1",
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET STATEMENT max_statement_time = 1 FOR SELECT 1",
        "SET @a = (SELECT 1)", "INSERT INTO t VALUES (1)", "USE db"}) {
    CAPTURE(s);
    CHECK_FALSE(Classify(s).replays_on_resume);
  }
}

TEST_CASE("classifier: transaction control, LOCK and SET change no schema") {
  for (const char* s : {"COMMIT", "ROLLBACK", "BEGIN", "START TRANSACTION", "SAVEPOINT a", "RELEASE SAVEPOINT a",
                        "LOCK TABLES t WRITE", "UNLOCK TABLES", "SET @a = 1"}) {
    CAPTURE(s);
    CHECK(Classify(s).changes_no_schema);
  }
  for (const char* s : {"CREATE TABLE t (a INT)", "CALL p()", "INSERT INTO t VALUES (1)", "XA START 'x'"}) {
    CAPTURE(s);
    CHECK_FALSE(Classify(s).changes_no_schema);
  }
}

TEST_CASE("classifier: implicit commit, the DDL shape and its batching, in one reading") {
  const StatementInfo create = Classify("CREATE TABLE s.t (a INT)");
  CHECK(create.commits_implicitly);
  CHECK(create.ddl.probeable);
  REQUIRE(create.ddl.objects.size() == 1);
  CHECK(create.ddl.objects[0] == DdlObject{DdlObject::Kind::kTable, "s", "t"});
  CHECK(create.probe_holds_across_others);
  CHECK_FALSE(create.called_routine.has_value());

  const StatementInfo rename = Classify("ALTER TABLE t ADD a INT, RENAME TO u");
  CHECK(rename.ddl.probeable);
  CHECK_FALSE(rename.probe_holds_across_others);

  const StatementInfo insert = Classify("INSERT INTO t VALUES (1)");
  CHECK_FALSE(insert.commits_implicitly);
  CHECK_FALSE(insert.ddl.probeable);
  CHECK(insert.ddl.objects.empty());
}

TEST_CASE("classifier: the routine a CALL names") {
  const StatementInfo call = Classify("CALL `cloud`.`IDEMPOTENT_ADD_COLUMN`('t')");
  REQUIRE(call.called_routine.has_value());
  CHECK(*call.called_routine == DdlObject{DdlObject::Kind::kProcedure, "cloud", "IDEMPOTENT_ADD_COLUMN"});
  CHECK(IsRerunnableCall(call, {"idempotent_*"}));
  CHECK_FALSE(IsRerunnableCall(call, {}));
  CHECK_FALSE(Classify("SELECT p()").called_routine.has_value());
}

TEST_CASE("classifier: words past the head of a long statement") {
  std::string set = "SET @a = 1";
  for (int i = 0; i < 200; ++i) set += ", @b" + std::to_string(i) + " = 1";
  CHECK(Classify(set + ", @@global.x = 1").first_keyword == "SET");
  CHECK_FALSE(Classify(set + ", @@global.x = 1").replays_on_resume);
  CHECK(Classify(set).replays_on_resume);
}

TEST_CASE("statement info: which statements leave the session as they found it") {
  for (const char* kept : {"CREATE TABLE t (a INT)", "alter table t add column b int", "DROP TABLE t",
                           "INSERT INTO t VALUES ('x')", "UPDATE t SET a = 1", "DELETE FROM t", "RENAME TABLE a TO b",
                           "CREATE INDEX i ON t (a)", "SELECT COUNT(*) FROM t", "INSERT INTO t VALUES ('a@b')"}) {
    CAPTURE(kept);
    CHECK(Classify(kept).leaves_session_as_is);
  }
  for (const char* changed :
       {"SET sql_mode = ''", "USE other", "CREATE TEMPORARY TABLE t (a INT)", "DROP DATABASE d", "DROP SCHEMA d",
        "ALTER DATABASE d CHARACTER SET utf8mb4", "INSERT INTO t VALUES (@x)", "SELECT @x := 1",
        "SELECT a INTO @v FROM t", "LOCK TABLES t WRITE", "CALL p()", "PREPARE s FROM 'SELECT 1'", "BEGIN",
        "CREATE DEFINER=`root`@`localhost` PROCEDURE p() SET @x = 1", "SET @@session.sql_mode = ''"}) {
    CAPTURE(changed);
    CHECK_FALSE(Classify(changed).leaves_session_as_is);
  }
}

}  // namespace
}  // namespace chimp::internal
