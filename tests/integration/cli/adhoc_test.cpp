// chimp adhoc: one-off SQL through the migration splitter and connection.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "support/chimp_cli.hpp"
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

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
