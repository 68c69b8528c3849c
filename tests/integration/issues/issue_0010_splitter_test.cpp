// Issue 10, item 10, on the real server through the chimp binary and the
// `mariadb` client: a chunk ended by a custom DELIMITER that holds several
// statements is one multi-statement query for the client, and the server
// runs them all, stopping at the first error. chimp runs the same
// statements, one by one, with its usual bookkeeping (fixtures
// multi_statement and multi_statement_fails, SQL in multi_statement_sql.h).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugins/multi_statement_sql.h"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;

std::string Fresh(const std::string& prefix) {
  const std::string db = test::TestServer::Shared().FreshDatabase(prefix);
  test::Exec("DROP DATABASE IF EXISTS `" + db + "_chimp`");
  return db;
}

test::CliRun Migrate(const std::string& db, const char* fixture) {
  test::ServerFlags server = test::TestServerFlags();
  test::CliRun r = test::Chimp(
      Args({server.flags,
            {"migrate", "-d", db, "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir(fixture)}}),
      server.password);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  return r;
}

// `mariadb db < script`, as an operator runs it: default options, batch
// mode, stops at the first error. Returns its exit code.
int RunClient(const std::string& db, const std::string& script) {
  test::Exec("CREATE DATABASE IF NOT EXISTS `" + db + "`");  // FreshDatabase only drops it
  const fs::path file = fs::temp_directory_path() / ("chimp_client_" + std::to_string(::getpid()) + ".sql");
  std::ofstream(file) << script;
  test::ServerFlags server = test::TestServerFlags();
  std::string command = "exec mariadb --no-defaults";
  for (const std::string& flag : server.flags) command += " '" + flag + "'";
  command += " '" + db + "' < '" + file.string() + "'";
  test::CliOptions options;
  if (!server.password.empty()) options.env.emplace_back("MYSQL_PWD", server.password);
  test::CliRun r = test::RunCli("/bin/sh", {"-c", command}, options);
  INFO("mariadb: " << r.err);
  fs::remove(file);
  return r.code;
}

std::string TablesOf(const std::string& db) {
  return test::Scalar("",
                      "SELECT IFNULL(GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME), '') FROM "
                      "information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                          db + "'");
}

std::string IdsOf(const std::string& db, const std::string& table) {
  return test::Scalar(db, "SELECT IFNULL(GROUP_CONCAT(id ORDER BY id), '') FROM " + table);
}

// status, statement_index, statement_count of the step's last attempt.
std::vector<std::string> LastAttempt(const std::string& db, const std::string& step_id) {
  auto rows = test::Rows(db + "_chimp",
                         "SELECT status, statement_index, statement_count, IFNULL(error, '') FROM "
                         "chimp_changelog WHERE step_id = '" +
                             step_id + "' ORDER BY id DESC LIMIT 1");
  REQUIRE(rows.size() == 1);
  return rows[0];
}

}  // namespace

TEST_CASE("issue 10.10: two INSERTs in one DELIMITER chunk both run, as with the mariadb client") {
  const std::string db = Fresh("i10_ms");
  const std::string client_db = Fresh("i10_ms_client");
  test::CliRun r = Migrate(db, "multi_statement");
  CHECK(r.code == 0);
  REQUIRE(RunClient(client_db, MULTI_STATEMENT_SQL) == 0);
  CHECK(IdsOf(client_db, "ms_t") == "1,2,3");
  CHECK(IdsOf(db, "ms_t") == IdsOf(client_db, "ms_t"));
  CHECK(TablesOf(db) == TablesOf(client_db));
  // CREATE TABLE, the two INSERTs, CREATE PROCEDURE, CALL: each recorded.
  CHECK(LastAttempt(db, "multi_statement.ddl") == std::vector<std::string>{"success", "5", "5", ""});
}

TEST_CASE("issue 10.10: a chunk failing at its second statement stops there, as the client, and resumes there") {
  const std::string db = Fresh("i10_ms_fail");
  const std::string client_db = Fresh("i10_ms_fail_client");
  test::CliRun r = Migrate(db, "multi_statement_fails");
  CHECK(r.code == 8);
  CHECK(test::Contains(r.err, "ms_needed"));
  CHECK(RunClient(client_db, MULTI_STATEMENT_FAILS_SQL) != 0);
  // The client ran the CREATE TABLE and stopped at the INSERT: so did chimp.
  CHECK(TablesOf(client_db) == "ms_a");
  CHECK(TablesOf(db) == TablesOf(client_db));
  // The changelog says the truth: statement 1 done, statement 2 failed.
  std::vector<std::string> failed = LastAttempt(db, "multi_statement_fails.ddl");
  CHECK(failed[0] == "failed");
  CHECK(failed[1] == "1");
  CHECK(failed[2] == "5");
  CHECK(test::Contains(failed[3], "ms_needed"));

  // The operator creates the missing table; the rerun resumes at statement 2.
  test::Exec("CREATE TABLE `" + db + "`.ms_needed (id INT)");
  test::CliRun fixed = Migrate(db, "multi_statement_fails");
  CHECK(fixed.code == 0);
  CHECK(TablesOf(db) == "ms_a,ms_b,ms_needed");
  CHECK(IdsOf(db, "ms_a") == "1,2");
  CHECK(IdsOf(db, "ms_needed") == "1");
  CHECK(LastAttempt(db, "multi_statement_fails.ddl") == std::vector<std::string>{"success", "5", "5", ""});
}

}  // namespace chimp

#endif  // CHIMP_BINARY
