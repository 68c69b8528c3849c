// The ABI stability guard, at run time (issue 5; STYLE.md rule 23): the
// fixture v1_0_frozen, built against only the frozen ABI 1.0 header
// (tests/abi/v1_0), loads in this engine and runs on the real server, its
// native step using the 1.0 services (execute with typed parameters,
// query_scalar, query_rows, log, progress). The layout half of the guard is
// tests/unit/abi/layout_test.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "chimp/engine.hpp"
#include "chimp/loader.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

const std::string kDir = std::string(CHIMP_TEST_PLUGIN_DIR) + "/v1_0_frozen";

TEST_CASE("abi 1.0: a plugin built against the frozen 1.0 header loads in this engine") {
  auto loaded = LoadPlugin(std::filesystem::canonical(kDir + "/v1_0_frozen.so").string());
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  CHECK(loaded->info->abi_major == 1);
  CHECK(loaded->info->abi_minor == 0);
  CHECK(loaded->info->name == "v1-0-frozen");
  REQUIRE(loaded->edges.size() == 1);
  REQUIRE(loaded->edges[0].steps.size() == 2);
  CHECK(loaded->edges[0].steps[0].has_ddl);
  CHECK(loaded->edges[0].steps[1].kind == StepKind::kNative);
  CHECK(loaded->edges[0].steps[1].checksum == "rev:1");
}

TEST_CASE("abi 1.0: the frozen plugin migrates on the real server through the 1.0 services") {
  auto& server = test::TestServer::Shared();
  EngineOptions options;
  options.connection = server.Options();
  options.database = server.FreshDatabase("abi_v1_0");
  options.plugin_dirs = {kDir};
  options.changelog_schema = options.database + "_chimp";
  options.lock_timeout = std::chrono::seconds(5);

  auto run = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(run.ok(), run.status().ToString());
  CHECK(run->summary.steps_run == 2);
  CHECK(run->summary.reached.ToString() == "1.0.0");

  auto conn = server.Connect(options.database);
  auto rows = conn->Query("SELECT id, name, note FROM frozen_items ORDER BY id");
  REQUIRE(rows.ok());
  REQUIRE(rows->rows.size() == 3);
  CHECK(rows->rows[0][1].ToString() == "alpha");
  CHECK(rows->rows[2][1].ToString() == "gamma");
  for (const Row& row : rows->rows) CHECK(row[2].ToString() == "checked by v1_0_frozen");

  auto log = ReadLog(options);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 2);
  for (const ChangelogEntry& e : *log) {
    CHECK(e.status == StepStatus::kSuccess);
    CHECK(e.plugin_name == "v1-0-frozen");
  }
}

}  // namespace
}  // namespace chimp
