// The loader and ABI 1.1: the new fields are copied, a plugin built against
// the frozen 1.0 header still loads with the defaults, and the rules on
// repeatables are enforced with messages that name the problem.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "chimp/loader.hpp"
#include "chimp/plugin_abi.h"
#include "chimp/sql_splitter.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  return fs::canonical(fs::path(CHIMP_TEST_PLUGIN_DIR) / name / (name + ".so")).string();
}

const Step* FindStep(const LoadedPlugin& plugin, const std::string& id) {
  for (const Edge& edge : plugin.edges) {
    for (const Step& step : edge.steps) {
      if (step.id == id) return &step;
    }
  }
  return nullptr;
}

TEST_CASE("abi: 1.1 and 1.2 append to chimp_step and chimp_plugin; 1.0 sizes are pinned") {
  CHECK(CHIMP_ABI_MAJOR == 1);
  // 1.3 adds a flag (CHIMP_STEP_PREFLIGHT); 1.4 CHIMP_STEP_ONLINE and chimp_edge.target_fingerprint.
  CHECK(CHIMP_ABI_MINOR == 4);
  CHECK(CHIMP_STEP_SIZE_1_0 == 80);
  CHECK(CHIMP_PLUGIN_SIZE_1_0 == 56);
  CHECK(CHIMP_EDGE_SIZE_1_0 == 40);
  CHECK(sizeof(chimp_edge) == 48);
  chimp_edge edge{};
  edge.struct_size = CHIMP_EDGE_SIZE_1_0;  // an edge of a plugin built before 1.4
  CHECK_FALSE(CHIMP_HAS_FIELD(&edge, chimp_edge, target_fingerprint));
  edge.struct_size = sizeof(chimp_edge);
  CHECK(CHIMP_HAS_FIELD(&edge, chimp_edge, target_fingerprint));
  CHECK(sizeof(chimp_step) == 104);
  CHECK(sizeof(chimp_plugin) == 96);
  chimp_plugin plugin{};
  plugin.struct_size = 88;  // a 1.1 plugin
  CHECK(CHIMP_HAS_FIELD(&plugin, chimp_plugin, legacy_version_query));
  CHECK_FALSE(CHIMP_HAS_FIELD(&plugin, chimp_plugin, rerunnable_calls));
  chimp_step step{};
  step.struct_size = CHIMP_STEP_SIZE_1_0;
  CHECK(CHIMP_HAS_FIELD(&step, chimp_step, user));
  CHECK_FALSE(CHIMP_HAS_FIELD(&step, chimp_step, dialect));
  CHECK_FALSE(CHIMP_HAS_FIELD(&step, chimp_step, session_sql));
  step.struct_size = sizeof(chimp_step);
  CHECK(CHIMP_HAS_FIELD(&step, chimp_step, session_sql));
}

TEST_CASE("loader: every ABI 1.1 and 1.2 field is copied") {
  auto loaded = LoadPlugin(Fixture("abi_1_1"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const LoadedPlugin& p = *loaded;
  CHECK(p.info->abi_minor == CHIMP_ABI_MINOR);
  CHECK(p.info->rerunnable_calls == std::vector<std::string>{"idempotent_*", "cloud.add_mapping"});
  CHECK(p.info->min_host_minor == 1);
  CHECK(p.info->session_sql == "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
  CHECK(p.info->legacy_version_query == "SELECT MAX(version) FROM cloud.version");

  const Step* plain = FindStep(p, "abi11.plain");
  REQUIRE(plain != nullptr);
  CHECK(plain->dialect == SqlDialect::kClient);
  CHECK_FALSE(plain->database.has_value());
  CHECK(plain->session_sql.empty());
  CHECK_FALSE(plain->warnings_fatal);

  const Step* runner = FindStep(p, "abi11.runner");
  REQUIRE(runner != nullptr);
  CHECK(runner->dialect == SqlDialect::kScriptRunner);
  REQUIRE(runner->database.has_value());
  CHECK(*runner->database == "cloud");
  CHECK(runner->session_sql == "SET SESSION foreign_key_checks = 0");
  CHECK(runner->warnings_fatal);
  CHECK_FALSE(runner->has_ddl);

  const Step* nodb = FindStep(p, "abi11.nodb");
  REQUIRE(nodb != nullptr);
  REQUIRE(nodb->database.has_value());
  CHECK(nodb->database->empty());
  CHECK(nodb->dialect == SqlDialect::kClient);
  CHECK_FALSE(nodb->preflight);

  const Step* preflight = FindStep(p, "abi11.preflight");  // ABI 1.3
  REQUIRE(preflight != nullptr);
  CHECK(preflight->kind == StepKind::kCheck);
  CHECK(preflight->preflight);

  REQUIRE(p.repeatables.size() == 3);
  CHECK(p.repeatables[0].step.id == "abi11.procs");
  CHECK(p.repeatables[0].when == RepeatableWhen::kBefore);
  CHECK(p.repeatables[0].step.dialect == SqlDialect::kScriptRunner);
  CHECK(p.repeatables[0].step.has_ddl);
  CHECK(p.repeatables[0].step.checksum ==
        SqlChecksum("DROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p() BEGIN END;\n"));
  CHECK(p.repeatables[1].step.id == "abi11.views");
  CHECK(p.repeatables[1].when == RepeatableWhen::kAfter);
  CHECK(p.repeatables[2].step.kind == StepKind::kNative);
  CHECK(p.repeatables[2].step.checksum == "rev:3");
  for (const Repeatable& r : p.repeatables) {
    REQUIRE(r.edge != nullptr);
    CHECK(r.edge->from == Version::Empty());
    CHECK(r.edge->to == Version::Empty());
    CHECK(r.edge->plugin == p.info);
    CHECK(r.plugin == p.info);
  }
}

TEST_CASE("loader: a plugin built against the frozen 1.0 header loads with the 1.1 defaults") {
  auto loaded = LoadPlugin(Fixture("v1_0_frozen"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const LoadedPlugin& p = *loaded;
  CHECK(p.info->name == "v1-0-frozen");
  CHECK(p.info->abi_minor == 0);
  CHECK(p.info->session_sql.empty());
  CHECK(p.info->legacy_version_query.empty());
  CHECK(p.repeatables.empty());
  REQUIRE(p.edges.size() == 1);
  REQUIRE(p.edges[0].steps.size() == 2);
  for (const Step& step : p.edges[0].steps) {
    CHECK(step.dialect == SqlDialect::kClient);
    CHECK_FALSE(step.database.has_value());
    CHECK(step.session_sql.empty());
    CHECK_FALSE(step.warnings_fatal);
    CHECK_FALSE(step.preflight);
  }
}

TEST_CASE("loader: repeatables need exactly one of kRunBefore / kRunAfter, and only repeatables may say it") {
  auto no_when = LoadPlugin(Fixture("repeatable_no_when"));
  REQUIRE_FALSE(no_when.ok());
  CHECK(no_when.status().code() == StatusCode::kPluginError);
  CHECK(no_when.status().message().find("repeatable #1 'rnw.r'") != std::string::npos);
  CHECK(no_when.status().message().find("exactly one of CHIMP_STEP_RUN_BEFORE and CHIMP_STEP_RUN_AFTER") !=
        std::string::npos);

  auto on_edge = LoadPlugin(Fixture("run_flag_on_edge"));
  REQUIRE_FALSE(on_edge.ok());
  CHECK(on_edge.status().message().find("'rfe.a': CHIMP_STEP_RUN_BEFORE / CHIMP_STEP_RUN_AFTER are for "
                                        "repeatable steps only") != std::string::npos);
}

TEST_CASE("loader: kPreflight (ABI 1.3) is refused on a step that is not a check") {
  auto loaded = LoadPlugin(Fixture("preflight_on_sql"));
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kPluginError);
  CHECK(loaded.status().message().find("step #1 'pos.a': CHIMP_STEP_PREFLIGHT (chimp::sdk::kPreflight) is for "
                                       "check steps only; this is a sql step") != std::string::npos);
}

TEST_CASE("loader: a literal SET sql_mode is followed when splitting at load") {
  // session fixture: a NO_BACKSLASH_ESCAPES / ANSI_QUOTES script that the
  // default modes cannot split.
  auto loaded = LoadPlugin(Fixture("session"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const Step* step = FindStep(*loaded, "session.modes-split");
  REQUIRE(step != nullptr);
  CHECK_FALSE(SplitSql(step->sql, "x").ok());
}

}  // namespace
}  // namespace chimp
