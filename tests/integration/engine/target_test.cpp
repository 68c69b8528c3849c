// OpenTarget (core/src/engine/target.hpp), the one way every pipeline opens
// its target, on the real server.
#include "engine/target.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/mariadb_server.hpp"

namespace chimp::internal {
namespace {

EngineOptions TargetOptions(const std::string& database) {
  EngineOptions options;
  options.connection = test::TestServer::Shared().Options();
  options.database = database;
  options.plugin_dirs = {CHIMP_SAMPLE_MIGRATIONS_DIR};
  options.changelog_schema = database + "_chimp";
  options.lock_timeout = std::chrono::seconds(0);
  return options;
}

TEST_CASE("target: read-only by default: a connection and the changelog, no lock, no run id, no plugins") {
  const std::string db = test::TestServer::Shared().FreshDatabase("target_ro");
  auto target = OpenTarget(TargetOptions(db));
  REQUIRE_MESSAGE(target.ok(), target.status().ToString());
  CHECK(target->conn != nullptr);
  REQUIRE(target->changelog != nullptr);
  CHECK(target->changelog->target() == db);
  CHECK(target->changelog->schema() == db + "_chimp");
  CHECK(target->run_id.empty());
  CHECK(target->lock == nullptr);
  CHECK(target->catalog == nullptr);
}

TEST_CASE("target: the lock is taken under a new run id and keeps a second run out") {
  const std::string db = test::TestServer::Shared().FreshDatabase("target_lock");
  const EngineOptions options = TargetOptions(db);
  auto first = OpenTarget(options, TargetNeeds::Locked({}));
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->run_id.size() == 36);
  REQUIRE(first->lock != nullptr);
  CHECK(first->catalog != nullptr);
  auto second = OpenTarget(options, TargetNeeds::Locked({}, /*catalog=*/false));
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kLockTimeout);
  CHECK(first->lock->Release().ok());
  auto third = OpenTarget(options, TargetNeeds::Locked({}, /*catalog=*/false));
  REQUIRE_MESSAGE(third.ok(), third.status().ToString());
  CHECK(third->catalog == nullptr);
  CHECK(third->run_id != first->run_id);
}

TEST_CASE("target: no target database is refused before connecting") {
  EngineOptions options = TargetOptions("unused");
  options.database.clear();
  options.connection.port = 1;  // nothing listens: a connect would fail otherwise
  options.connection.socket = "/nonexistent.sock";
  auto target = OpenTarget(options, TargetNeeds::WithCatalog());
  REQUIRE_FALSE(target.ok());
  CHECK(target.status().code() == StatusCode::kInvalidArgument);
  CHECK(target.status().message() ==
        "no target database: give --database NAME or set [database] name in the config file");
}

}  // namespace
}  // namespace chimp::internal
