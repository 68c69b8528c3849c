// One exit code per event, whatever the kind of step (issue 9, item 5), on
// the real server through the chimp binary: a failed check exits 11 whether
// it is SQL or native code; a server lost in the middle of a step exits 6
// whether the step is SQL or native code. The fixtures are
// tests/plugins/exit_codes.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;

struct Event {
  const char* fixture;
  int exit_code;
  const char* message;  // in stderr
};

// Migrates a fresh database with the plugin of `fixture` only.
test::CliRun MigrateWith(const char* fixture) {
  test::ServerFlags server = test::TestServerFlags();
  const std::string db = test::TestServer::Shared().FreshDatabase(std::string("ec_") + fixture);
  test::CliOptions options;
  options.password = server.password;
  return test::RunCli(CHIMP_BINARY,
                      Args({{"migrate"},
                            server.flags,
                            {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir(fixture)}}),
                      options);
}

TEST_CASE("exit codes: a failed check exits 11, SQL or native") {
  for (const Event& e : {Event{"sql_check_fails", 11, "chimp: check 'exit_codes.sql-check'"},
                         Event{"native_check_fails", 11, "chimp: check 'exit_codes.native-check'"}}) {
    INFO(e.fixture);
    test::CliRun r = MigrateWith(e.fixture);
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    CHECK(r.code == e.exit_code);
    CHECK(r.err.find(e.message) != std::string::npos);
    CHECK(r.err.find("failed") != std::string::npos);
  }
}

TEST_CASE("exit codes: a server lost during a step exits 6, SQL or native") {
  for (const char* fixture : {"lost_in_sql", "lost_in_native"}) {
    INFO(fixture);
    test::CliRun r = MigrateWith(fixture);
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    CHECK(r.code == 6);
    CHECK(r.err.find("exit_codes.lost") != std::string::npos);
  }
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
