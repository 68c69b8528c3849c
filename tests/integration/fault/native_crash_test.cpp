// A plugin's native step that crashes the whole process (SIGSEGV): the
// database and the changelog stay consistent, and the next migrate finishes
// the step exactly once.
#include <doctest/doctest.h>

#include <csignal>

#include "chimp/engine.hpp"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

std::string Scalar(Connection& conn, const std::string& sql) {
  auto value = conn.QueryScalar(sql);
  REQUIRE_MESSAGE(value.ok(), value.status().ToString());
  return value->has_value() ? (*value)->ToString() : "(no row)";
}

TEST_CASE("fault: a native step that segfaults leaves a consistent changelog and converges on rerun") {
  auto server = test::TestServerFlags();
  const std::string db = test::TestServer::Shared().FreshDatabase("segv");
  const std::string log = db + "_chimp";
  const auto args =
      test::Args({{"migrate", "-q"},
                  server.flags,
                  {"-d", db, "--changelog-schema", log, "--plugins", test::FixtureDir("segfaults_in_step")}});
  test::CliOptions crash;
  crash.password = server.password;
  crash.env = {{"CHIMP_FIXTURE_SEGFAULT", "1"}};
  test::CliRun crashed = test::RunCli(CHIMP_BINARY, args, crash);
  REQUIRE(crashed.signal == SIGSEGV);

  auto conn = test::TestServer::Shared().Connect();
  const std::string items = Connection::QuoteIdentifier(db) + ".sis_items";
  const std::string changelog = Connection::QuoteIdentifier(log) + ".chimp_changelog";
  // The native step ran in one transaction with its changelog row: neither
  // its insert nor a success row survived the crash.
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + items) == "0");
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + changelog +
                          " WHERE step_id = 'segfaults_in_step.fill' AND status = 'success'") == "0");
  CHECK(Scalar(*conn, "SELECT status FROM " + changelog + " WHERE step_id = 'segfaults_in_step.create'") == "success");
  CHECK(Scalar(*conn, "SELECT version FROM " + Connection::QuoteIdentifier(log) + ".chimp_state WHERE target = '" + db +
                          "'") == "");

  test::CliOptions plain;
  plain.password = server.password;
  test::CliRun rerun = test::RunCli(CHIMP_BINARY, args, plain);
  CHECK_MESSAGE(rerun.code == 0, rerun.err);
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + items) == "1");
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + changelog +
                          " WHERE step_id = 'segfaults_in_step.fill' AND status = 'success'") == "1");
  CHECK(Scalar(*conn, "SELECT version FROM " + Connection::QuoteIdentifier(log) + ".chimp_state WHERE target = '" + db +
                          "'") == "1.0.0");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
