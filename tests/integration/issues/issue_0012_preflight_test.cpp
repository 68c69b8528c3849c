// Issue 12, items 1 and 3, on the real server through the chimp binary
// (fixtures preflight and preflight_changed, tests/plugins/preflight.cpp:
// "" -> 1.0.0 -> 1.1.0 (a write step) -> 1.2.0, whose pre-flight checks
// look at pf_authors as it is before the run).
//   - migrate --to 1.2.0 on a database at 1.0.0 whose data fails a
//     pre-flight check of 1.2.0 is refused with exit 11 before its first
//     write: every failed check named with its edge, the schema and the
//     changelog byte-identical; once the data is fixed it passes and the
//     checks are recorded in their edges;
//   - plan and migrate --dry-run run them too and report them;
//   - chimp check: the changelog's health, the sanity checks of the
//     current version and the pre-flight checks of the pending path, text
//     and JSON, exit 0 or 11, writing nothing.
#include <doctest/doctest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/dump.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;

std::string PluginDir(const std::string& name) { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name; }

// `command` on target `t` with the fixture `plugins`, and `args`.
test::CliRun Run(const test::Target& t, const std::string& command, const std::vector<std::string>& args,
                 const std::string& plugins = "preflight") {
  test::CliRun r = test::ChimpOnServer(Args({t.Common(command), {"--plugins", PluginDir(plugins)}, args}));
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  return r;
}

// True when one line of `text` holds every one of `words`, in this order.
bool HasLine(const std::string& text, std::initializer_list<std::string> words) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t at = 0;
    bool all = true;
    for (const std::string& w : words) {
      at = line.find(w, at);
      if (at == std::string::npos) {
        all = false;
        break;
      }
      at += w.size();
    }
    if (all) return true;
  }
  return false;
}

// The target's schema and its changelog, exactly.
std::string DumpOf(const test::Target& t) {
  auto conn = test::TestServer::Shared().Connect();
  return test::ExactDump(*conn, test::DumpScope{{t.db, t.changelog}, t.db, {}});
}

nlohmann::json ParseJson(const test::CliRun& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out);
  return j;
}

// The results of `checks` (a JSON array) named `name`.
std::vector<nlohmann::json> Named(const nlohmann::json& checks, const std::string& name) {
  std::vector<nlohmann::json> out;
  for (const auto& c : checks) {
    if (c["name"] == name) out.push_back(c);
  }
  return out;
}

std::string TableCount(const std::string& db, const std::string& table) {
  return test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + db +
                              "' AND TABLE_NAME = '" + table + "'");
}

// A target at 1.0.0 whose second author has no name and whose third has a
// name of 50 characters: both pre-flight checks of 1.2.0 fail.
test::Target AtVersion100WithBadNames(const std::string& prefix) {
  test::Target t(prefix);
  REQUIRE(Run(t, "migrate", {"--to", "1.0.0"}).code == 0);
  test::Exec("UPDATE `" + t.db + "`.pf_authors SET name = NULL WHERE id = 2");
  test::Exec("INSERT INTO `" + t.db + "`.pf_authors VALUES (3, REPEAT('x', 50))");
  return t;
}

void FixNames(const test::Target& t) {
  test::Exec("UPDATE `" + t.db + "`.pf_authors SET name = 'Grace' WHERE id = 2");
  test::Exec("UPDATE `" + t.db + "`.pf_authors SET name = 'Xavier' WHERE id = 3");
}

TEST_CASE("issue 12: migrate --to 1.2.0 from 1.0.0 is refused before its first write when a pre-flight check fails") {
  const test::Target t = AtVersion100WithBadNames("pf_refused");
  const std::string before = DumpOf(t);

  test::CliRun r = Run(t, "migrate", {"--to", "1.2.0"});
  INFO(r.out << r.err);
  CHECK(r.code == 11);
  const std::string plugin = "(plugin '" + PluginDir("preflight") + "/preflight.so')";
  // Every failed check, with its edge, plugin and message; not only the first.
  CHECK(Contains(r.err, "pre-flight: 2 of 3 checks failed; nothing was written"));
  CHECK(Contains(r.err, "check 'pf.1.2.0.names' of edge 1.1.0 -> 1.2.0 " + plugin + ": check 'pf.1.2.0.names'"));
  CHECK(Contains(r.err, "1 of 1 row(s) are false"));
  CHECK(Contains(r.err, "check 'pf.1.2.0.short-names' of edge 1.1.0 -> 1.2.0 " + plugin));
  CHECK(Contains(r.err, "1 author name(s) are longer than 40 characters; shorten them first"));
  CHECK(HasLine(r.out, {"ok", "preflight", "pf.1.1.0.has-authors", "1.0.0 -> 1.1.0"}));
  CHECK(HasLine(r.out, {"FAILED", "preflight", "pf.1.2.0.names", "1.1.0 -> 1.2.0"}));
  CHECK(HasLine(r.out, {"FAILED", "preflight", "pf.1.2.0.short-names", "1.1.0 -> 1.2.0"}));
  CHECK_FALSE(Contains(r.out, "Migrating:"));
  // Nothing written: not the 1.1.0 write step, not a changelog row.
  CHECK(TableCount(t.db, "pf_books") == "0");
  const std::string after = DumpOf(t);
  CHECK_MESSAGE(after == before, test::FirstDifference(before, after));

  // The same with --format json: a "preflight" event with the results,
  // then run_finished with exit code 11, and no step (doc/json.md).
  test::CliRun j = Run(t, "migrate", {"--to", "1.2.0", "--format", "json"});
  CHECK(j.code == 11);
  std::vector<nlohmann::json> events;
  std::istringstream lines(j.out);
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  REQUIRE(events.size() >= 2);
  CHECK(events.front()["event"] == "preflight");
  CHECK(events.front()["ok"] == false);
  REQUIRE(events.front()["checks"].size() == 3);
  CHECK(Named(events.front()["checks"], "pf.1.2.0.names").at(0)["passed"] == false);
  CHECK(Named(events.front()["checks"], "pf.1.1.0.has-authors").at(0)["passed"] == true);
  CHECK(events.back()["event"] == "run_finished");
  CHECK(events.back()["exit_code"] == 11);
  for (const nlohmann::json& e : events) CHECK(e["event"] != "step_started");
  CHECK(DumpOf(t) == before);

  // Once the data holds, the run passes; the checks are recorded in their
  // edges like any check, so validate agrees.
  FixNames(t);
  test::CliRun ok = Run(t, "migrate", {"--to", "1.2.0"});
  CHECK(ok.code == 0);
  CHECK(HasLine(ok.out, {"pf.1.2.0.names", "check, passed in pre-flight"}));
  CHECK(test::Scalar("", "SELECT version FROM `" + t.changelog + "`.chimp_state") == "1.2.0");
  CHECK(test::Scalar("", "SELECT CONCAT(edge_from, ' -> ', edge_to, ' ', status) FROM `" + t.changelog +
                             "`.chimp_changelog WHERE step_id = 'pf.1.2.0.names'") == "1.1.0 -> 1.2.0 success");
  CHECK(Run(t, "validate", {}).code == 0);
  CHECK(Run(t, "check", {}).code == 0);
}

TEST_CASE("issue 12: a pre-flight check runs on a read-only session: one that writes fails, and nothing is written") {
  const test::Target t("pf_writes");
  REQUIRE(Run(t, "migrate", {"--to", "1.1.0"}, "preflight_writes").code == 0);
  const std::string before = DumpOf(t);
  for (const std::string& command : std::vector<std::string>{"plan", "check", "migrate"}) {
    test::CliRun r = Run(t, command, {}, "preflight_writes");
    INFO(command << ": " << r.out << r.err);
    CHECK(r.code == 11);
    CHECK(HasLine(r.out, {"FAILED", "preflight", "pf.1.2.0.writes", "1.1.0 -> 1.2.0", "READ ONLY"}));
    CHECK(test::Scalar("", "SELECT COUNT(*) FROM `" + t.db + "`.pf_authors WHERE name = 'changed by a check'") == "0");
  }
  CHECK(DumpOf(t) == before);
}

TEST_CASE("issue 12: a fresh install runs the pre-flight checks of later edges in their edges") {
  const test::Target t("pf_fresh");
  test::CliRun r = Run(t, "migrate", {"--to", "1.2.0"});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM `" + t.changelog +
                             "`.chimp_changelog WHERE step_id LIKE 'pf.%' AND status = 'success'") == "8");
}

TEST_CASE("issue 12: plan and migrate --dry-run run the pre-flight checks read-only and report them") {
  const test::Target t = AtVersion100WithBadNames("pf_plan");
  const std::string before = DumpOf(t);

  for (const std::string& command : std::vector<std::string>{"plan", "migrate"}) {
    std::vector<std::string> args = {"--to", "1.2.0"};
    if (command == "migrate") args.push_back("--dry-run");
    test::CliRun r = Run(t, command, args);
    INFO(command << ": " << r.out << r.err);
    CHECK(r.code == 11);
    CHECK(Contains(r.out, "Pre-flight checks, against the database as it is (3 checks: 1 ok, 2 failed):"));
    CHECK(HasLine(r.out, {"FAILED", "preflight", "pf.1.2.0.names", "1.1.0 -> 1.2.0", "check 'pf.1.2.0.names'"}));
    CHECK(HasLine(r.out, {"ok", "preflight", "pf.1.1.0.has-authors", "1.0.0 -> 1.1.0", "pf_authors has a row"}));
    CHECK(Contains(r.err, "a pre-flight check failed; migrate would stop before its first write"));
  }
  test::CliRun j = Run(t, "plan", {"--to", "1.2.0", "--format", "json"});
  CHECK(j.code == 11);
  const nlohmann::json doc = ParseJson(j);
  CHECK(doc["preflight_ok"] == false);
  REQUIRE(doc["preflight"].size() == 3);
  const nlohmann::json names = Named(doc["preflight"], "pf.1.2.0.names").at(0);
  CHECK(names["kind"] == "preflight");
  CHECK(names["edge_from"] == "1.1.0");
  CHECK(names["edge_to"] == "1.2.0");
  CHECK(names["passed"] == false);
  CHECK(Contains(names["message"].get<std::string>(), "row(s) are false"));
  CHECK(DumpOf(t) == before);

  FixNames(t);
  test::CliRun fixed = Run(t, "plan", {"--to", "1.2.0"});
  CHECK(fixed.code == 0);
  CHECK(Contains(fixed.out, "(3 checks: 3 ok, 0 failed)"));
  // Up to 1.1.0, only that edge's pre-flight check is on the path.
  test::CliRun short_path = Run(t, "plan", {"--to", "1.1.0", "--format", "json"});
  CHECK(short_path.code == 0);
  CHECK(ParseJson(short_path)["preflight"].size() == 1);
}

TEST_CASE("issue 12: chimp check runs sanity, pre-flight and changelog checks, text and JSON, and writes nothing") {
  const test::Target t("pf_check");
  REQUIRE(Run(t, "migrate", {"--to", "1.1.0"}).code == 0);
  const std::string before = DumpOf(t);

  test::CliRun ok = Run(t, "check", {});
  CHECK(ok.code == 0);
  CHECK(Contains(ok.out, "Database '" + t.db + "' at version 1.1.0, pending path to 1.2.0:"));
  CHECK(HasLine(ok.out, {"ok", "changelog", "changelog.unfinished", "-", "no failed or running step"}));
  CHECK(HasLine(ok.out, {"ok", "changelog", "changelog.checksums", "-", "5 applied steps match"}));
  // The trailing check of 1.1.0 is its sanity check; its pre-flight check is not.
  CHECK(HasLine(ok.out, {"ok", "sanity", "pf.1.1.0.books-exist", "1.0.0 -> 1.1.0", "pf_books has a row"}));
  CHECK_FALSE(HasLine(ok.out, {"sanity", "pf.1.1.0.has-authors"}));
  CHECK(HasLine(ok.out, {"ok", "preflight", "pf.1.2.0.names", "1.1.0 -> 1.2.0"}));
  CHECK(HasLine(ok.out, {"ok", "drift", "drift." + t.db, "1.0.0 -> 1.1.0", "recorded after 1.0.0 -> 1.1.0"}));
  CHECK(Contains(ok.out, "6 checks: 6 ok, 0 failed."));

  // --to the current version: no pending path, no pre-flight check.
  test::CliRun here = Run(t, "check", {"--to", "1.1.0", "--format", "json"});
  CHECK(here.code == 0);
  const nlohmann::json here_doc = ParseJson(here);
  CHECK(here_doc["ok"] == true);
  CHECK(here_doc["current_version"] == "1.1.0");
  CHECK(here_doc["checks"].size() == 4);

  // A post-condition that no longer holds, and data a pre-flight check refuses.
  test::Exec("DELETE FROM `" + t.db + "`.pf_books");
  test::Exec("UPDATE `" + t.db + "`.pf_authors SET name = NULL WHERE id = 1");
  const std::string broken = DumpOf(t);
  test::CliRun bad = Run(t, "check", {});
  CHECK(bad.code == 11);
  CHECK(HasLine(bad.out, {"FAILED", "sanity", "pf.1.1.0.books-exist", "1.0.0 -> 1.1.0", "row(s) are false"}));
  CHECK(HasLine(bad.out, {"FAILED", "preflight", "pf.1.2.0.names", "1.1.0 -> 1.2.0"}));
  CHECK(Contains(bad.out, "6 checks: 4 ok, 2 failed."));
  CHECK(Contains(bad.err, "chimp: check: 6 checks: 4 ok, 2 failed"));
  test::CliRun bad_json = Run(t, "check", {"--format", "json"});
  CHECK(bad_json.code == 11);
  const nlohmann::json doc = ParseJson(bad_json);
  CHECK(doc["ok"] == false);
  CHECK(doc["target_version"] == "1.2.0");
  const nlohmann::json sanity = Named(doc["checks"], "pf.1.1.0.books-exist").at(0);
  CHECK(sanity["kind"] == "sanity");
  CHECK(sanity["passed"] == false);
  CHECK(sanity["plugin_file"] == PluginDir("preflight") + "/preflight.so");
  // check wrote nothing, not even for its own runs.
  CHECK(DumpOf(t) == broken);
  CHECK(before != broken);
}

TEST_CASE("issue 12: chimp check reports a failed changelog row and a checksum mismatch") {
  SUBCASE("a failed step") {
    const test::Target t("pf_failed");
    REQUIRE(Run(t, "migrate", {"--to", "1.0.0"}).code == 0);
    // A table made by hand: drift, which migrate refuses; accepted, the
    // 1.1.0 step then fails on it.
    test::Exec("CREATE TABLE `" + t.db + "`.pf_books (x INT)");
    REQUIRE(Run(t, "migrate", {"--to", "1.1.0"}).code == 9);
    REQUIRE(Run(t, "migrate", {"--to", "1.1.0", "--accept-drift"}).code == 8);
    test::CliRun r = Run(t, "check", {});
    INFO(r.out);
    CHECK(r.code == 11);
    CHECK(HasLine(r.out, {"FAILED", "changelog", "changelog.unfinished", "1.0.0 -> 1.1.0",
                          "step 'pf.1.1.0.books' failed after 0 of 2 statements"}));
    CHECK(HasLine(r.out, {"ok", "changelog", "changelog.checksums"}));
    test::CliRun j = Run(t, "check", {"--format", "json"});
    CHECK(j.code == 11);
    const nlohmann::json unfinished = Named(ParseJson(j)["checks"], "changelog.unfinished").at(0);
    CHECK(unfinished["passed"] == false);
    CHECK(Contains(unfinished["message"].get<std::string>(), "already exists"));
  }
  SUBCASE("a checksum mismatch") {
    const test::Target t("pf_changed");
    REQUIRE(Run(t, "migrate", {"--to", "1.1.0"}).code == 0);
    test::CliRun r = Run(t, "check", {}, "preflight_changed");
    CHECK(r.code == 11);
    CHECK(HasLine(r.out, {"FAILED", "changelog", "changelog.checksums", "1.0.0 -> 1.1.0", "step 'pf.1.1.0.books'"}));
    // No plan can be made past a changed step: said, not hidden.
    CHECK(HasLine(r.out, {"FAILED", "changelog", "changelog.plan"}));
    test::CliRun j = Run(t, "check", {"--format", "json"}, "preflight_changed");
    CHECK(j.code == 11);
    const nlohmann::json checksums = Named(ParseJson(j)["checks"], "changelog.checksums").at(0);
    CHECK(checksums["passed"] == false);
    CHECK(Contains(checksums["message"].get<std::string>(), "the changelog records sha256:"));
  }
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
