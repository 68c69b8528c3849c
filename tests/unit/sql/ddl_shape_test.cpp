#include "sql/ddl_shape.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

using Kind = DdlObject::Kind;

DdlObject Obj(Kind kind, std::string schema, std::string name) { return {kind, std::move(schema), std::move(name)}; }

TEST_CASE("ddl shape: CREATE and ALTER TABLE name their table") {
  auto create = ParseDdl("CREATE TABLE `loans` (id INT)");
  CHECK(create.probeable);
  CHECK_FALSE(create.idempotent);
  REQUIRE(create.objects.size() == 1);
  CHECK(create.objects[0] == Obj(Kind::kTable, "", "loans"));

  auto alter = ParseDdl("/* why */ ALTER ONLINE IGNORE TABLE cloud.`user` ADD COLUMN x INT");
  REQUIRE(alter.objects.size() == 1);
  CHECK(alter.objects[0] == Obj(Kind::kTable, "cloud", "user"));
  CHECK(alter.probeable);

  auto guarded = ParseDdl("create table if not exists Books (id int)");
  CHECK(guarded.idempotent);
  CHECK(guarded.objects[0].name == "Books");  // case kept
}

TEST_CASE("ddl shape: indexes belong to their table") {
  auto create = ParseDdl("CREATE UNIQUE INDEX idx_a ON t1 (a)");
  REQUIRE(create.objects.size() == 1);
  CHECK(create.objects[0] == Obj(Kind::kTable, "", "t1"));
  auto drop = ParseDdl("DROP INDEX IF EXISTS idx_a ON `s`.`t1`");
  CHECK(drop.idempotent);
  CHECK(drop.objects[0] == Obj(Kind::kTable, "s", "t1"));
}

TEST_CASE("ddl shape: DROP lists every table, RENAME both sides") {
  auto drop = ParseDdl("DROP TABLE IF EXISTS a, `b`, s.c");
  CHECK(drop.idempotent);
  CHECK(drop.objects ==
        std::vector<DdlObject>{Obj(Kind::kTable, "", "a"), Obj(Kind::kTable, "", "b"), Obj(Kind::kTable, "s", "c")});
  auto rename = ParseDdl("RENAME TABLE a TO b, c TO d");
  CHECK(rename.probeable);
  CHECK(rename.objects.size() == 4);
  CHECK(rename.objects[3] == Obj(Kind::kTable, "", "d"));
}

TEST_CASE("ddl shape: views, routines, triggers, events and databases") {
  auto view = ParseDdl(
      "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`localhost` SQL SECURITY INVOKER "
      "VIEW v AS SELECT 1");
  CHECK(view.idempotent);
  CHECK(view.objects[0] == Obj(Kind::kView, "", "v"));
  auto proc = ParseDdl("CREATE DEFINER=CURRENT_USER() PROCEDURE cloud.IDEMPOTENT_ADD_COLUMN (IN t VARCHAR(64))");
  CHECK(proc.objects[0] == Obj(Kind::kProcedure, "cloud", "IDEMPOTENT_ADD_COLUMN"));
  CHECK(ParseDdl("DROP FUNCTION IF EXISTS f").objects[0] == Obj(Kind::kFunction, "", "f"));
  CHECK(ParseDdl("CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @x = 1").objects[0] ==
        Obj(Kind::kTrigger, "", "trg"));
  CHECK(ParseDdl("DROP EVENT e").objects[0] == Obj(Kind::kEvent, "", "e"));
  CHECK(ParseDdl("CREATE DATABASE IF NOT EXISTS `cloud_usage`").objects[0] == Obj(Kind::kDatabase, "", "cloud_usage"));
}

TEST_CASE("ddl shape: executable comments are read as SQL") {
  auto shape = ParseDdl("/*!40101 CREATE TABLE t (id INT) */");
  REQUIRE(shape.objects.size() == 1);
  CHECK(shape.objects[0].name == "t");
}

TEST_CASE("ddl shape: what it cannot name is not probeable") {
  CHECK_FALSE(ParseDdl("GRANT ALL ON cloud.* TO 'cloud'@'localhost'").probeable);
  // One account is probed (sql/account_shape.hpp); several are not.
  CHECK_FALSE(ParseDdl("CREATE USER 'cloud'@'%' IDENTIFIED BY 'x', 'cloud'@'localhost'").probeable);
  CHECK_FALSE(ParseDdl("LOCK TABLES t WRITE").probeable);
  auto truncate = ParseDdl("TRUNCATE TABLE t");
  CHECK_FALSE(truncate.probeable);
  CHECK(truncate.idempotent);
  // A temporary table dies with the session: re-running is right.
  auto temp = ParseDdl("CREATE TEMPORARY TABLE tmp (id INT)");
  CHECK(temp.idempotent);
  CHECK(temp.objects.empty());
}

TEST_CASE("ddl shape: which statements may share a pre-image write") {
  auto holds = [](const char* sql) { return ProbeHoldsAcrossOthers(sql, ParseDdl(sql)); };
  CHECK(holds("CREATE TABLE t (id INT)"));
  CHECK(holds("ALTER TABLE t ADD COLUMN c INT"));
  CHECK(holds("DROP TABLE a, b"));
  CHECK(holds("CREATE VIEW v AS SELECT 1"));
  CHECK(holds("CREATE INDEX i ON t (c)"));
  // They change objects they do not name as probed objects.
  CHECK_FALSE(holds("ALTER TABLE t RENAME TO u"));
  CHECK_FALSE(holds("ALTER TABLE t RENAME COLUMN a TO b"));
  CHECK_FALSE(holds("ALTER TABLE t EXCHANGE PARTITION p WITH TABLE u"));
  CHECK_FALSE(holds("RENAME TABLE a TO b"));
  CHECK_FALSE(holds("DROP DATABASE cloud"));
  CHECK_FALSE(holds("CREATE DATABASE cloud"));
  // Not probeable at all.
  CHECK_FALSE(holds("CALL p()"));
  CHECK_FALSE(holds("GRANT ALL ON cloud.* TO 'cloud'@'localhost'"));
}

TEST_CASE("ddl shape: objects overlap by namespace, name and schema") {
  auto objects = [](const char* sql) { return ParseDdl(sql).objects; };
  CHECK(Overlap(objects("CREATE TABLE t (id INT)"), objects("ALTER TABLE t ADD c INT")));
  CHECK(Overlap(objects("CREATE TABLE T (id INT)"), objects("DROP TABLE t")));        // case is ignored
  CHECK(Overlap(objects("CREATE TABLE cloud.t (id INT)"), objects("DROP TABLE t")));  // t may be cloud.t
  CHECK_FALSE(Overlap(objects("CREATE TABLE cloud.t (id INT)"), objects("DROP TABLE usage.t")));
  CHECK(Overlap(objects("CREATE VIEW v AS SELECT 1"), objects("DROP TABLE IF EXISTS v")));  // one namespace
  CHECK_FALSE(Overlap(objects("CREATE TABLE p (id INT)"), objects("DROP PROCEDURE p")));
  CHECK_FALSE(Overlap(objects("CREATE TABLE a (id INT)"), objects("CREATE TABLE b (id INT)")));
  CHECK(Overlap(objects("CREATE TABLE a (id INT)"), objects("DROP DATABASE IF EXISTS other")));
  CHECK(Overlap(objects("DROP TABLE a, b"), objects("CREATE TABLE b (id INT)")));
}

TEST_CASE("ddl shape: a CALL of a routine the plugin declares re-runnable") {
  const std::vector<std::string> patterns = {"idempotent_*", "cloud.add_mapping"};
  CHECK(IsRerunnableCall("CALL idempotent_add_column('t', 'c', 'INT')", patterns));
  CHECK(IsRerunnableCall("call `cloud`.`IDEMPOTENT_ADD_COLUMN`('t')", patterns));  // any schema, any case
  CHECK(IsRerunnableCall("/* x */ CALL cloud.add_mapping(1)", patterns));
  CHECK_FALSE(IsRerunnableCall("CALL usage.add_mapping(1)", patterns));  // another schema
  CHECK_FALSE(IsRerunnableCall("CALL add_mapping(1)", patterns));        // unqualified: schema unknown
  CHECK_FALSE(IsRerunnableCall("CALL drop_everything()", patterns));
  CHECK_FALSE(IsRerunnableCall("SELECT idempotent_x()", patterns));
  CHECK_FALSE(IsRerunnableCall("CALL idempotent_add_column()", {}));
}

}  // namespace
}  // namespace chimp::internal
