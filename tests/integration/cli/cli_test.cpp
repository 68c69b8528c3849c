// The chimp command line as a user runs it: help, usage errors and their
// exit codes, options before and after the command name, graph without a
// database, and migrate/status/log/plan on the test server.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chimp/lock.hpp"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;

using Run = test::CliRun;

using Server = test::ServerFlags;
using test::Args;
using test::Chimp;
using test::Contains;
using test::FixtureDir;
using test::TestServerFlags;

TEST_CASE("cli: --help lists the commands, the options and why there is no --password flag") {
  Run r = Chimp({"--help"});
  CHECK(r.code == 0);
  for (const char* s : {"init", "status", "plan", "migrate", "log", "graph", "--socket", "--password-file", "--plugins",
                        "--lock-timeout", "--ssl-ca", "no --password flag", "Exit codes"}) {
    CHECK_MESSAGE(Contains(r.out, s), s);
  }
}

TEST_CASE("cli: migrate --help lists its own options and the global ones") {
  Run r = Chimp({"migrate", "--help"});
  CHECK(r.code == 0);
  for (const char* s : {"--to", "--dry-run", "--phase", "--socket", "--database", "--format"}) {
    CHECK_MESSAGE(Contains(r.out, s), s);
  }
}

TEST_CASE("cli: usage errors exit 2 with one line on stderr") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{}, "chimp: A subcommand is required"},
      {{"frobnicate"}, "chimp: unknown command 'frobnicate'"},
      {{"migrate", "--bogus"}, "chimp: The following argument was not expected: --bogus"},
      {{"status", "--password", "x"}, "chimp: there is no --password flag"},
      {{"--password=x", "status"}, "chimp: there is no --password flag"},
      {{"plan", "--phase", "later"}, "--phase"},
      {{"--config", "/nonexistent/chimp.toml", "status"}, "chimp: config file '/nonexistent/chimp.toml': no such file"},
      {{"status", "--password-file", "/nonexistent/pw"}, "chimp: --password-file: password file '/nonexistent/pw'"},
      {{"graph", "--plugins", FixtureDir("good"), "--to", "1.x"}, "chimp: --to: '1.x' is not a version"},
      {{"--format", "mermaid", "log", "-d", "x"}, "chimp: 'log' does not support --format mermaid (use text or json)"},
  };
  for (const Case& c : cases) {
    Run r = Chimp(c.args);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("chimp: ", 0) == 0);
    CHECK(Contains(r.err, c.message));
  }
}

TEST_CASE("cli: graph needs no database, and options go before or after the command") {
  Run before = Chimp({"--plugins", FixtureDir("good"), "graph"});
  Run after = Chimp({"graph", "--plugins", FixtureDir("good")});
  CHECK(before.code == 0);
  CHECK(before.out.rfind("digraph", 0) == 0);
  CHECK(before.out == after.out);

  Run mermaid = Chimp({"graph", "--plugins", FixtureDir("good"), "--format", "mermaid", "--to", "1.1.0"});
  CHECK(mermaid.code == 0);
  CHECK(mermaid.out.rfind("flowchart LR", 0) == 0);

  Run json = Chimp({"graph", "--plugins", FixtureDir("good"), "--format", "json", "--to", "1.0.0"});
  REQUIRE(json.code == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["versions"] == nlohmann::json::array({"", "1.0.0", "1.1.0"}));
  CHECK(doc["edges"].size() == 2);
  CHECK(doc["path"]["edges"] == nlohmann::json::array({0}));

  Run down = Chimp({"graph", "--plugins", FixtureDir("good"), "--from", "1.1.0", "--to", "1.0.0"});
  CHECK(down.code == 4);
  CHECK(Contains(down.err, "downgrade"));

  Run missing = Chimp({"graph"});
  CHECK(missing.code == 2);
}

// Issue 14.5: short labels, the newest path highlighted by default, images
// through Graphviz (or a clear refusal without it).
TEST_CASE("cli: graph labels edges with plugin names and highlights the path to the newest by default") {
  Run dot = Chimp({"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR});
  REQUIRE(dot.code == 0);
  CHECK_FALSE(Contains(dot.out, "/"));  // no file paths in the labels
  CHECK(Contains(dot.out, "\"1.1.0\" -> \"2.0.0\" [label=\"library-2.0.0 (weight 4)\", color=red"));
  CHECK(Contains(dot.out, "\"1.1.0\" -> \"1.1.1\" [label=\"library-1.1.1 (weight 1)\"];"));

  Run json = Chimp({"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--format", "json"});
  REQUIRE(json.code == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["path"]["from"] == "");
  CHECK(doc["path"]["to"] == "2.0.0");
  CHECK(doc["path"]["edges"].size() == 3);

  test::CliOptions no_graphviz;
  no_graphviz.env = {{"PATH", "/nonexistent"}};
  Run refused =
      test::RunCli(CHIMP_BINARY, {"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--format", "svg"}, no_graphviz);
  CHECK(refused.code == 2);
  CHECK(Contains(refused.err, "needs Graphviz's 'dot' program, which is not on PATH"));
  CHECK(refused.out.empty());

  if (::access("/usr/bin/dot", X_OK) != 0) {
    MESSAGE("skipping the svg/png drawing: Graphviz is not installed (apt-get install graphviz)");
    return;
  }
  Run svg = Chimp({"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--format", "svg"});
  REQUIRE(svg.code == 0);
  CHECK(Contains(svg.out, "<svg"));
  CHECK(Contains(svg.out, "library&#45;2.0.0 (weight 4)"));
  Run png = Chimp({"graph", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR, "--format", "png"});
  REQUIRE(png.code == 0);
  CHECK(png.out.rfind("\x89PNG", 0) == 0);
}

TEST_CASE("cli: the config file is read, and flags override it") {
  fs::path dir = fs::temp_directory_path() / ("chimp_cli_config_" + std::to_string(::getpid()));
  fs::create_directories(dir / "etc");
  fs::create_directory_symlink(FixtureDir("good"), dir / "etc" / "plugins");
  std::string config = (dir / "etc" / "chimp.toml").string();
  std::ofstream(config) << "[plugins]\npaths = [\"plugins\"]   # relative to this file\n";

  // The JSON graph names each edge's plugin file (the drawing shows names).
  Run from_config = Chimp({"--config", config, "graph", "--format", "json"});
  CAPTURE(from_config.err);
  CHECK(from_config.code == 0);
  CHECK(Contains(from_config.out, "good.so"));

  Run overridden = Chimp({"graph", "--format", "json", "--config", config, "--plugins", FixtureDir("raw_good")});
  CHECK(overridden.code == 0);
  CHECK(Contains(overridden.out, "raw_good.so"));
  CHECK_FALSE(Contains(overridden.out, "/good.so"));

  std::ofstream(config) << "[plugins]\npath = [\"plugins\"]\n";
  Run typo = Chimp({"--config", config, "graph"});
  CHECK(typo.code == 2);
  CHECK(Contains(typo.err, "chimp: " + config + ":2: unknown key 'plugins.path'"));

  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("cli: migrate, then status, log and plan agree") {
  Server server = TestServerFlags();
  std::string db = test::TestServer::Shared().FreshDatabase("cli");
  std::vector<std::string> common = Args({server.flags, {"-d", db, "--changelog-schema", db + "_chimp"}});
  std::vector<std::string> plugins = {"--plugins", FixtureDir("good")};

  Run plan = Chimp(Args({{"plan"}, common, plugins, {"-v"}}), server.password);
  CAPTURE(plan.err);
  REQUIRE(plan.code == 0);
  CHECK(Contains(plan.out, "Plan for database '" + db + "': (empty) -> 1.1.0"));
  CHECK(Contains(plan.out, "CREATE TABLE good_items"));

  Run migrate = Chimp(Args({common, {"migrate"}, plugins}), server.password);
  CAPTURE(migrate.err);
  REQUIRE(migrate.code == 0);
  CHECK(Contains(migrate.out, "[1/6] (empty) -> 1.0.0  good.1.0.0.create (sql, DDL) ... ok"));
  CHECK(Contains(migrate.out, "Done: database '" + db + "' migrated from (empty) to 1.1.0: 6 steps"));

  Run again = Chimp(Args({{"migrate"}, common, plugins}), server.password);
  CHECK(again.code == 0);
  CHECK(Contains(again.out, "Nothing to do"));

  Run status = Chimp(Args({{"status", "--format", "json"}, common, plugins}), server.password);
  REQUIRE(status.code == 0);
  auto s = nlohmann::json::parse(status.out);
  CHECK(s["current_version"] == "1.1.0");
  CHECK(s["up_to_date"] == true);
  CHECK(s["pending_cleanup"] == 1);

  Run log = Chimp(Args({{"log", "--format", "json"}, common}), server.password);
  REQUIRE(log.code == 0);
  auto l = nlohmann::json::parse(log.out);
  REQUIRE(l["entries"].size() == 6);
  CHECK(l["entries"][0]["step_id"] == "good.1.0.0.create");
  CHECK(l["entries"][0]["edge_from"] == "");
  CHECK(l["entries"][0]["status"] == "success");

  Run text_log = Chimp(Args({{"log"}, common}), server.password);
  CHECK(text_log.code == 0);
  CHECK(Contains(text_log.out, "STATUS"));
  CHECK(Contains(text_log.out, "good.1.1.0.all-filled"));
  // Issue 14.5: the text log shows each row's release and description, and
  // narrows to a run, a step or the newest rows (JSON too).
  CHECK(Contains(text_log.out, "RELEASE"));
  CHECK(Contains(text_log.out, "DESCRIPTION"));
  CHECK(Contains(text_log.out, "PROPOSED"));
  CHECK(Contains(text_log.out, l["entries"][0]["description"].get<std::string>()));
  CHECK(Contains(text_log.out, l["entries"][0]["plugin_name"].get<std::string>() + " " +
                                   l["entries"][0]["plugin_version"].get<std::string>()));

  Run last = Chimp(Args({{"log", "--format", "json", "--last", "2"}, common}), server.password);
  REQUIRE(last.code == 0);
  auto tail = nlohmann::json::parse(last.out)["entries"];
  REQUIRE(tail.size() == 2);
  CHECK(tail[1]["id"] == l["entries"][5]["id"]);

  Run step = Chimp(Args({{"log", "--step", "good.1.0.0.create"}, common}), server.password);
  CHECK(step.code == 0);
  CHECK(Contains(step.out, "good.1.0.0.create"));
  CHECK_FALSE(Contains(step.out, "good.1.1.0.all-filled"));

  const std::string run_prefix = l["entries"][0]["run_id"].get<std::string>().substr(0, 8);
  Run run = Chimp(Args({{"log", "--format", "json", "--run", run_prefix}, common}), server.password);
  REQUIRE(run.code == 0);
  CHECK(nlohmann::json::parse(run.out)["entries"].size() == 6);
  Run none = Chimp(Args({{"log", "--run", "ffffffff-none"}, common}), server.password);
  CHECK(none.code == 0);
  CHECK(Contains(none.out, "The changelog has no entries that match"));
}

TEST_CASE("cli: a failed step exits 8 and the changelog shows it") {
  Server server = TestServerFlags();
  std::string db = test::TestServer::Shared().FreshDatabase("cli_fail");
  std::vector<std::string> common =
      Args({server.flags, {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", FixtureDir("throws_in_step")}});
  Run migrate = Chimp(Args({{"migrate"}, common}), server.password);
  CHECK(migrate.code == 8);
  CHECK(Contains(migrate.out, "FAILED"));
  CHECK(Contains(migrate.err, "chimp: step 'throws_in_step.boom'"));

  // status reports it, and exits 8: the database is not at a plannable
  // state (issue 14.4).
  Run status = Chimp(Args({{"status"}, common}), server.password);
  CHECK(status.code == 8);
  CHECK(Contains(status.out, "Failed/running:   1"));
}

TEST_CASE("cli: a held lock makes migrate wait, say who holds it, and exit 7") {
  Server server = TestServerFlags();
  std::string db = test::TestServer::Shared().FreshDatabase("cli_lock");
  auto holder = test::TestServer::Shared().Connect();
  const Value params[] = {Value::Text(LockNameFor(db))};
  auto got = holder->QueryScalar("SELECT GET_LOCK(?, 0)", params);
  REQUIRE(got.ok());
  Run migrate = Chimp(Args({{"migrate", "--lock-timeout", "2", "-q"},
                            server.flags,
                            {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", FixtureDir("good")}}),
                      server.password);
  CHECK(migrate.code == 7);
  CHECK(Contains(migrate.err, "chimp: waiting up to 2 s for the migration lock of '" + db + "', held by connection"));
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
