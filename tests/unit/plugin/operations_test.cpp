// The typed operations of the C++ layer (plugin-api/include/chimp/sdk/operations.hpp):
// the SQL text they generate (quoting, guards), DateTime, and that a plugin
// made of them passes the host's loader (its SQL splits, its DDL is
// declared). That the SQL converges on the real server is
// tests/integration/sdk/operations_test.cpp.
#include <doctest/doctest.h>
#include <chimp/sdk/plugin.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "chimp/engine.hpp"
#include "chimp/loader.hpp"
#include "chimp/sql_splitter.hpp"

namespace {

namespace sdk = chimp::sdk;

std::string Guard(const std::string& condition, const std::string& quoted_statement) {
  return "SET @chimp_ddl = IF(" + condition + ", " + quoted_statement +
         ", 'DO 0');\nPREPARE chimp_ddl FROM @chimp_ddl;\nEXECUTE chimp_ddl;\nDEALLOCATE PREPARE chimp_ddl;\n";
}

TEST_CASE("operations: identifiers are quoted with backticks, doubled inside") {
  CHECK(sdk::QuoteIdentifier("users") == "`users`");
  CHECK(sdk::QuoteIdentifier("odd`name") == "`odd``name`");
  CHECK(sdk::QuoteIdentifier("it's") == "`it's`");
  CHECK(sdk::QuoteIdentifier("caf\xC3\xA9") == "`caf\xC3\xA9`");
  CHECK_THROWS_WITH_AS(sdk::QuoteIdentifier(""), "an identifier is empty", sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::QuoteIdentifier("a\nb"), "identifier 'a\nb' holds a control character", sdk::Error);
  CHECK_THROWS_AS(sdk::QuoteIdentifier(std::string(65, 'x')), sdk::Error);
  CHECK(sdk::QuoteIdentifier(std::string(64, 'x')).size() == 66);
}

TEST_CASE("operations: string literals double quotes; backslashes and control characters go hex") {
  CHECK(sdk::QuoteString("") == "''");
  CHECK(sdk::QuoteString("it's") == "'it''s'");
  CHECK(sdk::QuoteString("say \"hi\"") == "'say \"hi\"'");
  CHECK(sdk::QuoteString("a\\b") == "_utf8mb4 X'615C62'");
  CHECK(sdk::QuoteString("a\nb") == "_utf8mb4 X'610A62'");
  CHECK(sdk::QuoteString(std::string("a\0b", 3)) == "_utf8mb4 X'610062'");
}

TEST_CASE("operations: typed values become literals") {
  CHECK(sdk::SqlValue(42).sql() == "42");
  CHECK(sdk::SqlValue(int64_t{-9007199254740993}).sql() == "-9007199254740993");
  CHECK(sdk::SqlValue(uint64_t{18446744073709551615u}).sql() == "18446744073709551615");
  CHECK(sdk::SqlValue(true).sql() == "TRUE");
  CHECK(sdk::SqlValue(0.5).sql() == "0.5");
  CHECK(sdk::SqlValue(2.0).sql() == "2e0");
  CHECK(sdk::SqlValue(1e300).sql() == "1e+300");
  CHECK_THROWS_AS(sdk::SqlValue(std::nan("")), sdk::Error);
  CHECK(sdk::SqlValue("O'Brien").sql() == "'O''Brien'");
  CHECK(sdk::SqlValue(std::string("x")).sql() == "'x'");
  CHECK(sdk::SqlValue(nullptr).sql() == "NULL");
  CHECK(sdk::SqlValue(std::nullopt).sql() == "NULL");
  CHECK(sdk::SqlValue(static_cast<const char*>(nullptr)).sql() == "NULL");
  CHECK(sdk::SqlValue(std::optional<int>()).sql() == "NULL");
  CHECK(sdk::SqlValue(std::optional<int>(7)).sql() == "7");
  const unsigned char blob[] = {0x00, 0xFF, 0x27};
  CHECK(sdk::SqlValue(sdk::Bytes{blob, sizeof blob}).sql() == "X'00FF27'");
  CHECK(sdk::SqlValue(sdk::DateTime(2026, 11, 21, 9, 5)).sql() == "'2026-11-21 09:05:00'");
  CHECK(sdk::SqlValue::Expr("CURRENT_TIMESTAMP").sql() == "CURRENT_TIMESTAMP");
}

TEST_CASE("operations: DateTime formats, parses and refuses what is not a date-time") {
  CHECK(sdk::DateTime(2026, 1, 2).text() == "2026-01-02 00:00:00");
  CHECK(sdk::DateTime(2026, 1, 2, 3, 4, 5, 60).text() == "2026-01-02 03:04:05.000060");
  CHECK(sdk::DateTime::Parse("2024-02-29").text() == "2024-02-29 00:00:00");
  CHECK(sdk::DateTime::Parse("2024-02-29T23:59:58.5").microsecond() == 500000);
  CHECK(sdk::DateTime::Parse("0000-00-00 00:00:00").year() == 0);
  const sdk::DateTime t = sdk::DateTime::Parse("1999-12-31 23:59:59.123456");
  CHECK(t.year() == 1999);
  CHECK(t.month() == 12);
  CHECK(t.second() == 59);
  CHECK(t == sdk::DateTime(1999, 12, 31, 23, 59, 59, 123456));
  CHECK(std::string_view(t) == "1999-12-31 23:59:59.123456");
  CHECK_THROWS_WITH_AS(sdk::DateTime::Parse("2023-02-29"), doctest::Contains("not a valid date-time"), sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::DateTime::Parse("yesterday"),
                       "'yesterday' is not a date-time (YYYY-MM-DD hh:mm:ss[.ffffff])", sdk::Error);
  CHECK_THROWS_AS(sdk::DateTime::Parse("2026-11-21 24:00:00"), sdk::Error);
  CHECK_THROWS_AS(sdk::DateTime::Parse("2026-11-21 10:00:00.1234567"), sdk::Error);
  CHECK_THROWS_AS(sdk::DateTime(2026, 13, 1), sdk::Error);
}

TEST_CASE("operations: add column is guarded by information_schema.COLUMNS") {
  CHECK(sdk::AddColumnSql("users", sdk::Column("email", "VARCHAR(255)").Null()) ==
        Guard("(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 'users' AND COLUMN_NAME = 'email') = 0",
              "'ALTER TABLE `users` ADD COLUMN `email` VARCHAR(255) NULL'"));
  // A quote in a default is doubled twice: once in the DDL, once in the
  // literal holding the DDL.
  CHECK(sdk::AddColumnSql("t", sdk::Column("c", "VARCHAR(9)").NotNull().Default("it's").After("b")) ==
        Guard("(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND COLUMN_NAME = 'c') = 0",
              "'ALTER TABLE `t` ADD COLUMN `c` VARCHAR(9) NOT NULL DEFAULT ''it''''s'' AFTER `b`'"));
  // A backslash makes the inner literal hex, so the DDL has none to escape.
  const std::string with_backslash = sdk::AddColumnSql("t", sdk::Column("c", "TEXT").Default("a\\b"));
  CHECK(with_backslash.find("DEFAULT _utf8mb4 X''615C62''") != std::string::npos);
  // Names with quotes: backticks in DDL, quotes doubled in the guard.
  CHECK(sdk::DropColumnSql("it's", "odd`col") ==
        Guard("(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 'it''s' AND COLUMN_NAME = 'odd`col') > 0",
              "'ALTER TABLE `it''s` DROP COLUMN `odd``col`'"));
}

TEST_CASE("operations: each DDL operation has its guard") {
  CHECK(sdk::CreateTableSql(sdk::Table("t").Add(sdk::Column("id", "INT").NotNull()).PrimaryKey({"id"})) ==
        Guard("(SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't') = 0",
              "'CREATE TABLE `t` (`id` INT NOT NULL, PRIMARY KEY (`id`))'"));
  CHECK(sdk::DropTableSql("t") ==
        Guard("(SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND TABLE_TYPE = 'BASE TABLE') > 0",
              "'DROP TABLE `t`'"));
  CHECK(sdk::ModifyColumnSql("t", sdk::Column("c", "BIGINT").NotNull()) ==
        Guard("(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND COLUMN_NAME = 'c') > 0",
              "'ALTER TABLE `t` MODIFY COLUMN `c` BIGINT NOT NULL'"));
  CHECK(sdk::RenameColumnSql("t", "a", "b") ==
        Guard("(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND COLUMN_NAME = 'a') > 0 AND (SELECT COUNT(*) FROM "
              "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND "
              "COLUMN_NAME = 'b') = 0",
              "'ALTER TABLE `t` RENAME COLUMN `a` TO `b`'"));
  CHECK(sdk::AddIndexSql("t", sdk::Index("ix", {"a", "b"}).Unique()) ==
        Guard("(SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND INDEX_NAME = 'ix') = 0",
              "'ALTER TABLE `t` ADD UNIQUE INDEX `ix` (`a`, `b`)'"));
  CHECK(sdk::DropIndexSql("t", "ix") ==
        Guard("(SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 't' AND INDEX_NAME = 'ix') > 0",
              "'ALTER TABLE `t` DROP INDEX `ix`'"));
  CHECK(sdk::AddForeignKeySql("t", sdk::ForeignKey("fk", {"u"}, "users", {"id"})
                                       .OnDelete(sdk::ReferenceAction::kSetNull)
                                       .OnUpdate(sdk::ReferenceAction::kCascade)) ==
        Guard("(SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
              "DATABASE() AND TABLE_NAME = 't' AND CONSTRAINT_NAME = 'fk' AND CONSTRAINT_TYPE = "
              "'FOREIGN KEY') = 0",
              "'ALTER TABLE `t` ADD CONSTRAINT `fk` FOREIGN KEY (`u`) REFERENCES `users` (`id`) ON DELETE "
              "SET NULL ON UPDATE CASCADE'"));
  CHECK(sdk::DropForeignKeySql("t", "fk") ==
        Guard("(SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
              "DATABASE() AND TABLE_NAME = 't' AND CONSTRAINT_NAME = 'fk' AND CONSTRAINT_TYPE = "
              "'FOREIGN KEY') > 0",
              "'ALTER TABLE `t` DROP FOREIGN KEY `fk`'"));
  CHECK(sdk::CreateOrReplaceViewSql("v", "SELECT 1;\n") == "CREATE OR REPLACE VIEW `v` AS SELECT 1;\n");
  CHECK(sdk::DropViewSql("v") == "DROP VIEW IF EXISTS `v`;\n");
}

TEST_CASE("operations: insert rows skips rows whose key is present") {
  CHECK(sdk::InsertRowsSql("roles", {"id", "name"}, {{1, "admin"}, {2, nullptr}}) ==
        "INSERT INTO `roles` (`id`, `name`) SELECT 1, 'admin' FROM DUAL WHERE NOT EXISTS "
        "(SELECT 1 FROM `roles` WHERE `id` <=> 1);\n"
        "INSERT INTO `roles` (`id`, `name`) SELECT 2, NULL FROM DUAL WHERE NOT EXISTS "
        "(SELECT 1 FROM `roles` WHERE `id` <=> 2);\n");
  CHECK(sdk::InsertRowsSql("t", {"a", "b"}, {{1, 2}}, {"a", "b"}) ==
        "INSERT INTO `t` (`a`, `b`) SELECT 1, 2 FROM DUAL WHERE NOT EXISTS "
        "(SELECT 1 FROM `t` WHERE `a` <=> 1 AND `b` <=> 2);\n");
  CHECK_THROWS_WITH_AS(sdk::InsertRowsSql("t", {"a", "b"}, {{1}}), "insert into 't': row 1 has 1 values for 2 columns",
                       sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::InsertRowsSql("t", {"a"}, {{1}}, {"z"}), "insert into 't': key column 'z' is not inserted",
                       sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::InsertRowsSql("t", {}, {{1}}), "insert into 't' has no columns", sdk::Error);
}

TEST_CASE("operations: definitions refuse what would not make SQL") {
  CHECK_THROWS_WITH_AS(sdk::Table("t").CreateStatement(), "table 't' has no columns", sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::Index("ix", {}).Definition(), "index 'ix' has no columns", sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::ForeignKey("fk", {"a", "b"}, "t", {"id"}).Definition(),
                       "foreign key 'fk' has 2 columns but references 1", sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::CreateOrReplaceViewSql("v", " ;"), "view 'v' has no SELECT", sdk::Error);
}

// The guarded script splits into the four statements it sends, as the host
// splits it (and as `plan -v` shows it).
TEST_CASE("operations: the guarded script splits into SET, PREPARE, EXECUTE, DEALLOCATE") {
  const std::string sql = sdk::AddColumnSql("t", sdk::Column("c", "VARCHAR(9)").Default("semi;colon -- x"));
  auto statements = chimp::SplitSql(sql, "operations_test");
  REQUIRE_MESSAGE(statements.ok(), statements.status().ToString());
  REQUIRE(statements->size() == 4);
  CHECK((*statements)[0].text.rfind("SET @chimp_ddl = IF(", 0) == 0);
  CHECK((*statements)[0].text.find("DEFAULT ''semi;colon -- x''") != std::string::npos);
  CHECK((*statements)[1].text == "PREPARE chimp_ddl FROM @chimp_ddl");
  CHECK((*statements)[2].text == "EXECUTE chimp_ddl");
  CHECK((*statements)[3].text == "DEALLOCATE PREPARE chimp_ddl");
  for (const auto& s : *statements) CHECK_FALSE(chimp::CausesImplicitCommit(s.text));
}

TEST_CASE("operations: a plugin of typed operations passes the loader") {
  const std::string path =
      std::filesystem::canonical(std::filesystem::path(CHIMP_TEST_PLUGIN_DIR) / "ops_all" / "ops_all.so").string();
  auto loaded = chimp::LoadPlugin(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  REQUIRE(loaded->edges.size() == 2);
  std::map<std::string, const chimp::Step*> steps;
  for (const chimp::Edge& e : loaded->edges) {
    for (const chimp::Step& s : e.steps) steps[s.id] = &s;
  }
  const chimp::Step& add = *steps.at("ops.1.0.0.isbn");
  CHECK(add.kind == chimp::StepKind::kSql);
  CHECK(add.has_ddl);
  CHECK(add.idempotent);
  CHECK(add.description == "Add column `books`.`isbn`");
  CHECK(add.checksum.rfind("sha256:", 0) == 0);
  auto statements = chimp::StatementsOf(add);
  REQUIRE_MESSAGE(statements.ok(), statements.status().ToString());
  REQUIRE(statements->size() == 4);
  CHECK((*statements)[0].find("information_schema.COLUMNS") != std::string::npos);
  CHECK((*statements)[0].find("ALTER TABLE `books` ADD COLUMN `isbn` VARCHAR(20) NULL AFTER `title`") !=
        std::string::npos);

  const chimp::Step& rows = *steps.at("ops.1.0.0.books-rows");
  CHECK_FALSE(rows.has_ddl);
  CHECK(rows.idempotent);
  CHECK(steps.at("ops.1.0.0.scratch-rows")->description == "Seed scratch");
  CHECK(steps.at("ops.1.0.0.authors-rows")->description == "Insert 2 row(s) into `authors`");

  const chimp::Step& drop = *steps.at("ops.1.1.0.drop-scratch");
  CHECK(drop.phase == chimp::Phase::kCleanup);
  CHECK(drop.has_ddl);

  const chimp::Step& update = *steps.at("ops.1.1.0.notes");
  CHECK(update.kind == chimp::StepKind::kNative);
  CHECK(update.has_ddl);  // no transaction around the chunks
  CHECK(update.idempotent);
  CHECK(update.checksum == "rev:1");
  CHECK(update.description ==
        "Update `books` SET note = 'updated' WHERE note <> 'updated', in chunks of 1 rows by `id`");
}

}  // namespace
