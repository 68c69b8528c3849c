// Issue 10.4, "no operator needed after a kill", for CALLs of procedures
// that build one DDL statement and run it as a prepared statement (the form
// of CloudStack's IDEMPOTENT_* procedures, recovery/routine_ddl.hpp). Such
// a CALL is not re-runnable (cloud_usage.IDEMPOTENT_CHANGE_COLUMN raises
// 1054 on a second run, cloud.IDEMPOTENT_ADD_FOREIGN_KEY a duplicate key),
// so a kill inside one used to stop the next `migrate` with exit 9 until the
// operator ran `chimp repair`. Now chimp computes the statement the CALL
// runs and probes what it names, as for DDL written out in the script.
#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

#include "recovery/routine_ddl.hpp"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

constexpr int kStatements = 7;  // tests/plugins/dynamic_ddl_calls.cpp

std::vector<std::string> Flags(const std::string& db) {
  return test::Args(
      {test::TestServerFlags().flags,
       {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir("dynamic_ddl_calls")}});
}

// The tables, rows and procedures, with the database's name replaced.
std::string State(const std::string& db) {
  std::string out;
  for (const char* query : {"SHOW CREATE TABLE d_t", "SHOW CREATE TABLE d_parent", "SELECT * FROM d_parent",
                            "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE "
                            "ROUTINE_SCHEMA = DATABASE() ORDER BY 1"}) {
    for (const auto& row : test::Rows(db, query)) {
      for (const std::string& cell : row) out += cell + "|";
      out += "\n";
    }
  }
  for (size_t at = out.find(db); at != std::string::npos; at = out.find(db, at)) out.replace(at, db.size(), "DB");
  return out;
}

TEST_CASE("issue 10.4: a kill around a CALL that runs one dynamic DDL statement converges") {
  const std::string password = test::TestServerFlags().password;
  const std::string clean_db = test::TestServer::Shared().FreshDatabase("i10_rddl_clean");
  test::CliRun clean = test::Chimp(test::Args({{"migrate"}, Flags(clean_db)}), password);
  REQUIRE_MESSAGE(clean.code == 0, clean.err);
  const std::string want = State(clean_db);
  CHECK(test::Contains(want, "`new_name` int(11) DEFAULT NULL COMMENT 'renamed'"));
  CHECK(test::Contains(want, "CONSTRAINT `fk_d_t__parent` FOREIGN KEY (`new_name`) REFERENCES `d_parent` (`id`)"));
  for (int n = 4; n <= kStatements; ++n) {
    for (const char* when : {"before-statement:", "after-statement:"}) {
      const std::string point = when + std::to_string(n);
      INFO("crash point " << point);
      const std::string db = test::TestServer::Shared().FreshDatabase("i10_rddl");
      test::CliOptions crash;
      crash.password = password;
      crash.env = {{"CHIMP_TEST_CRASH_AT", point}};
      test::CliRun killed = test::RunCli(CHIMP_BINARY, test::Args({{"migrate"}, Flags(db)}), crash);
      REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
      test::CliRun resumed = test::Chimp(test::Args({{"migrate"}, Flags(db)}), password);
      INFO("stderr: " << resumed.err);
      CHECK(resumed.code == 0);
      CHECK(!test::Contains(resumed.err, "repair"));
      CHECK(State(db) == want);
      CHECK(test::Scalar(db + "_chimp", "SELECT COUNT(*) FROM chimp_changelog WHERE status = 'success'") == "1");
    }
  }
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY

namespace chimp::internal {
namespace {

constexpr const char* kChangeColumn =
    "CREATE DEFINER=`root`@`localhost` PROCEDURE `IDEMPOTENT_CHANGE_COLUMN`(\n"
    "    IN in_table_name VARCHAR(200)\n    , IN in_old_column_name VARCHAR(200)\n"
    "    , IN in_new_column_name VARCHAR(200)\n    , IN in_column_definition VARCHAR(1000)\n)\nBEGIN\n"
    "    DECLARE CONTINUE HANDLER FOR 1060 BEGIN END; SET @ddl = CONCAT('ALTER TABLE ', in_table_name); SET @ddl = "
    "CONCAT(@ddl, ' ', ' CHANGE COLUMN') ; SET @ddl = CONCAT(@ddl, ' ', in_old_column_name); SET @ddl = CONCAT(@ddl, "
    "' ', in_new_column_name); SET @ddl = CONCAT(@ddl, ' ', in_column_definition); PREPARE stmt FROM @ddl; EXECUTE "
    "stmt; DEALLOCATE PREPARE stmt; END";

TEST_CASE("issue 10.4: the statement of a dynamic-DDL procedure is computed only from literals and CONCATs") {
  auto query = CallDdlQuery(kChangeColumn,
                            "CALL `cloud_usage`.`IDEMPOTENT_CHANGE_COLUMN`('usage_vpc', 'id', "
                            "'id', 'BIGINT(20) UNSIGNED NOT NULL')");
  REQUIRE(query.has_value());
  CHECK(test::Contains(*query, "'usage_vpc'"));
  CHECK(test::Contains(*query, "'BIGINT(20) UNSIGNED NOT NULL'"));
  CHECK(test::Contains(*query, "CONCAT"));
  // Arguments must be literals; parameters IN; the body nothing else.
  CHECK(!CallDdlQuery(kChangeColumn, "CALL IDEMPOTENT_CHANGE_COLUMN(@t, 'id', 'id', 'INT')"));
  CHECK(!CallDdlQuery(kChangeColumn, "CALL IDEMPOTENT_CHANGE_COLUMN('t', 'id', 'id')"));
  CHECK(!CallDdlQuery(kChangeColumn, "CALL IDEMPOTENT_CHANGE_COLUMN('t', 'id', 'id', CONCAT('a', 'b'))"));
  const std::string body = kChangeColumn;
  auto with = [&body](const std::string& from, const std::string& to) {
    std::string text = body;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const char* call = "CALL IDEMPOTENT_CHANGE_COLUMN('t', 'a', 'b', 'INT')";
  CHECK(CallDdlQuery(with("IN in_table_name", "in_table_name"), call).has_value());
  CHECK(!CallDdlQuery(with("IN in_table_name", "INOUT in_table_name"), call));
  CHECK(!CallDdlQuery(with("EXECUTE stmt;", "EXECUTE stmt; DROP TABLE t;"), call));
  CHECK(!CallDdlQuery(with("CONCAT('ALTER TABLE ', in_table_name)", "CONCAT('ALTER TABLE ', (SELECT f()))"), call));
  CHECK(!CallDdlQuery(with("CONCAT('ALTER TABLE ', in_table_name)", "CONCAT('ALTER TABLE ', @other)"), call));
  CHECK(!CallDdlQuery(with("PREPARE stmt FROM @ddl", "PREPARE stmt FROM @other"), call));
  CHECK(!CallDdlQuery(with("SET @ddl = CONCAT('ALTER TABLE ', in_table_name)", "SET @ddl = CONCAT(@ddl, 'x')"), call));
}

}  // namespace
}  // namespace chimp::internal
