// chimp adhoc: one-off SQL through the migration splitter and connection.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Chimp;
using test::Contains;

std::string WriteScript(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

TEST_CASE("adhoc: a script runs statement by statement, DELIMITER and all") {
  auto server = test::TestServerFlags();
  const std::string db = test::TestServer::Shared().FreshDatabase("adhoc");
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(db)).ok());
  const std::string file = WriteScript(db + ".sql",
                                       "CREATE TABLE t (id INT, s VARCHAR(20));\n"
                                       "-- a comment\n"
                                       "INSERT INTO t VALUES (1, 'a;b'), (2, 'c');\n"
                                       "DELIMITER $$\n"
                                       "CREATE PROCEDURE p() BEGIN UPDATE t SET s = 'x'; END$$\n"
                                       "DELIMITER ;\n"
                                       "CALL p();\n");
  test::CliRun run = Chimp(Args({{"adhoc", "--file", file, "-d", db}, server.flags}), server.password);
  CHECK_MESSAGE(run.code == 0, run.err);
  CHECK(Contains(run.out, file + ":3: ok, 2 rows affected"));
  CHECK(Contains(run.out, "4 statements run."));
  auto value = conn->QueryScalar("SELECT GROUP_CONCAT(s ORDER BY id) FROM " + Connection::QuoteIdentifier(db) + ".t");
  REQUIRE(value.ok());
  CHECK((*value)->ToString() == "x,x");
}

TEST_CASE("adhoc: the first error stops the script with file, line and statement") {
  auto server = test::TestServerFlags();
  const std::string db = test::TestServer::Shared().FreshDatabase("adhoc_err");
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(db)).ok());
  const std::string file = WriteScript(db + ".sql",
                                       "CREATE TABLE t (id INT);\n"
                                       "INSERT INTO nope VALUES (1);\n"
                                       "CREATE TABLE never (id INT);\n");
  test::CliRun run = Chimp(Args({{"adhoc", "-f", file, "-d", db}, server.flags}), server.password);
  CHECK(run.code == 5);  // database error
  CHECK(Contains(run.err, file + ":2: statement 2 (INSERT INTO nope VALUES (1))"));
  CHECK(Contains(run.err, "1146"));
  auto never = conn->QueryScalar(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 'never' "
      "AND TABLE_SCHEMA = '" +
      db + "'");
  REQUIRE(never.ok());
  CHECK((*never)->ToString() == "0");
}

TEST_CASE("adhoc: --dry-run prints each statement in a block and touches nothing") {
  test::CliRun run = Chimp({"adhoc", "--dry-run", "-e", "SELECT 1; /* c */ SELECT 'a;b'"});
  CHECK_MESSAGE(run.code == 0, run.err);
  CHECK(run.out == "-- -e:1\nSELECT 1\n\n-- -e:1\n SELECT 'a;b'\n");
  test::CliRun bad = Chimp({"adhoc", "--dry-run", "-e", "SELECT 'unterminated"});
  CHECK(bad.code != 0);
  CHECK(Contains(bad.err, "-e"));
  test::CliRun none = Chimp({"adhoc", "--dry-run"});
  CHECK(none.code == 2);
}

// Issue 14.5: result sets print as tables (rows in JSON), and each run is
// recorded in the changelog without disturbing plans.
TEST_CASE("adhoc: prints result sets and records each run in the changelog") {
  auto server = test::TestServerFlags();
  const std::string db = test::TestServer::Shared().FreshDatabase("adhoc_rec");
  const std::vector<std::string> target = {"-d", db, "--changelog-schema", db + "_chimp"};
  const std::vector<std::string> plugins = {"--plugins", test::FixtureDir("good")};
  REQUIRE(Chimp(Args({{"migrate"}, target, plugins, server.flags}), server.password).code == 0);

  test::CliRun select =
      Chimp(Args({{"adhoc", "-e", "SELECT 1 AS one, NULL AS nothing, 'x' AS letter"}, target, server.flags}),
            server.password);
  CHECK_MESSAGE(select.code == 0, select.err);
  CHECK(Contains(select.out, "  one  nothing  letter\n  1    NULL     x\n  (1 row)\n"));
  CHECK(Contains(select.out, "1 statement run, recorded in the changelog (row "));

  test::CliRun json = Chimp(Args({{"adhoc", "--format", "json", "-e", "SELECT 2 AS two; DO 1"}, target, server.flags}),
                            server.password);
  REQUIRE(json.code == 0);
  auto doc = nlohmann::json::parse(json.out);
  REQUIRE(doc["statements"].size() == 2);
  CHECK(doc["statements"][0]["columns"] == nlohmann::json::array({"two"}));
  CHECK(doc["statements"][0]["rows"] == nlohmann::json::parse("[[2]]"));
  CHECK_FALSE(doc["statements"][1].contains("rows"));
  CHECK(doc["changelog_id"].is_number());

  test::CliRun failed =
      Chimp(Args({{"adhoc", "-e", "DO 1; SELECT * FROM nope"}, target, server.flags}), server.password);
  CHECK(failed.code == 5);

  test::CliRun log =
      Chimp(Args({{"log", "--format", "json", "--step", "chimp:adhoc"}, target, server.flags}), server.password);
  REQUIRE(log.code == 0);
  auto rows = nlohmann::json::parse(log.out)["entries"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["status"] == "success");
  CHECK(Contains(rows[0]["description"].get<std::string>(), "adhoc -e: SELECT 1 AS one"));
  CHECK(rows[2]["status"] == "failed");
  CHECK(rows[2]["statement_index"] == 1);
  CHECK(Contains(rows[2]["error"].get<std::string>(), "nope"));
  CHECK_FALSE(rows[2]["executed_by"].get<std::string>().empty());

  // A database that shares the changelog schema but was never migrated is
  // not adopted by an adhoc run: no row, no state row.
  const std::string other = test::TestServer::Shared().FreshDatabase("adhoc_other");
  test::Exec("CREATE DATABASE `" + other + "`");
  test::CliRun unmanaged = Chimp(
      Args({{"adhoc", "-e", "DO 1", "-d", other, "--changelog-schema", db + "_chimp"}, server.flags}), server.password);
  CHECK(unmanaged.code == 0);
  CHECK(Contains(unmanaged.out, "Not recorded: database '" + other + "' has no changelog yet"));
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM `" + db + "_chimp`.chimp_state WHERE target = '" + other + "'") == "0");
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM `" + db + "_chimp`.chimp_changelog WHERE target = '" + other + "'") ==
        "0");

  // The rows are not steps: the database still plans, migrates and validates.
  CHECK(Chimp(Args({{"status"}, target, plugins, server.flags}), server.password).code == 0);
  CHECK(Chimp(Args({{"migrate"}, target, plugins, server.flags}), server.password).code == 0);
  CHECK(Chimp(Args({{"validate"}, target, plugins, server.flags}), server.password).code == 0);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
