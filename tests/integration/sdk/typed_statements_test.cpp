// Typed statements through the services table on the real server (issue 5,
// item 2): DateTime parameters and columns round-trip through DATETIME(6)
// and DATE columns, and a column read as the wrong type fails the step with
// a message naming the statement and the column (fixture typed_statements).
#include <doctest/doctest.h>

#include <string>

#include "chimp/engine.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::FixtureOptions;
using test::V;

TEST_CASE("typed statements: date-times round-trip; a type mismatch names the statement and the column") {
  auto& server = test::TestServer::Shared();
  const EngineOptions options = FixtureOptions(server.FreshDatabase("typed"), "typed_statements");
  auto base = Migrate(options, PlanRequest{V("1.0.0")}, nullptr);
  REQUIRE_MESSAGE(base.ok(), base.status().ToString());

  auto conn = server.Connect(options.database);
  auto at = conn->QueryScalar("SELECT CAST(at AS CHAR) FROM events WHERE id = 1");
  REQUIRE(at.ok());
  CHECK((*at)->ToString() == "2026-11-21 17:05:09.250000");

  auto mismatch = Migrate(options, PlanRequest{V("1.1.0")}, nullptr);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.status().code() == StatusCode::kStepFailed);
  const std::string message = mismatch.status().message();
  CHECK_MESSAGE(message.find("typed.1.1.0.mismatch") != std::string::npos, message);
  CHECK_MESSAGE(message.find("query 'SELECT id, label FROM events WHERE id > ?': column 2: cannot read text "
                             "as an integer ('launch')") != std::string::npos,
                message);
}

}  // namespace
}  // namespace chimp
