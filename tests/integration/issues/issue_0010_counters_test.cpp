// Issue 10, item 1, on the real server through the chimp binary: InnoDB
// keeps the AUTO_INCREMENT values a rolled-back transaction took, so a run
// killed inside a transaction that inserts rows used to resume with shifted
// ids, and a later insert with an explicit id (the CloudStack chain's
// INSERT IGNORE ... VALUES (25, ...)) was silently ignored. A resumed run
// must leave the same rows, the same ids and the same counters as a clean
// run. Fixture: tests/plugins/counters.cpp.
//
// CHIMP_ISSUE10_BINARY runs another chimp binary (an older build, to see
// these tests fail without the fix).
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;

std::string Binary() {
  const char* other = std::getenv("CHIMP_ISSUE10_BINARY");
  return other != nullptr && *other != '\0' ? other : CHIMP_BINARY;
}

// `chimp args` on database `db` with the counters fixture; with
// CHIMP_TEST_CRASH_AT=`crash_at` unless it is empty.
test::CliRun Run(const std::string& db, const std::vector<std::string>& args, const std::string& crash_at = "") {
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options;
  options.password = server.password;
  if (!crash_at.empty()) options.env = {{"CHIMP_TEST_CRASH_AT", crash_at}};
  return test::RunCli(
      Binary(),
      Args({args,
            server.flags,
            {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", test::FixtureDir("counters")}}),
      options);
}

// What a run leaves that ids decide: every row with its id, and the
// table's next id.
std::vector<std::vector<std::string>> State(const std::string& db) {
  auto rows = test::Rows(db, "SELECT id, name, COALESCE(note, '-') FROM caps ORDER BY id");
  rows.push_back(test::Rows(db, "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + db +
                                    "' AND TABLE_NAME = 'caps'")
                     .at(0));
  return rows;
}

const std::vector<std::vector<std::string>>& Clean() {
  static const std::vector<std::vector<std::string>> clean = [] {
    const std::string db = test::TestServer::Shared().FreshDatabase("counters_clean");
    test::CliRun run = Run(db, {"migrate"});
    REQUIRE_MESSAGE(run.code == 0, run.err);
    return State(db);
  }();
  return clean;
}

TEST_CASE("issue 10: a run killed inside an inserting transaction resumes with the clean run's ids") {
  REQUIRE(Clean().size() == 12);
  CHECK(Clean().at(9) == std::vector<std::string>{"10", "explicit", "-"});
  // The fill's transaction, the group after the ALTER (in it, and at its
  // COMMIT), the native step's transaction, the group of two CALLs of a
  // procedure that inserts (after the first, and at its COMMIT).
  for (const char* point : {"before-commit:1", "after-statement:5", "before-commit:2", "before-commit:3",
                            "after-statement:8", "before-commit:4"}) {
    INFO("crash point " << std::string(point));
    const std::string db = test::TestServer::Shared().FreshDatabase("counters_killed");
    test::CliRun killed = Run(db, {"migrate"}, point);
    REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
    test::CliRun resumed = Run(db, {"migrate"});
    REQUIRE_MESSAGE(resumed.code == 0, resumed.err);
    CHECK(Run(db, {"validate"}).code == 0);
    CHECK(State(db) == Clean());
  }
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
