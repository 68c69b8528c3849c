// Issue 14, items 1 and 2, on the real server through the chimp binary:
//   1. progress: a native step that reports progress, a typed UpdateRows, a
//      long statement and a backup show how far they are: plain periodic
//      lines when stderr is a pipe, a line redrawn in place with
//      --progress always, nothing with -q;
//   2. migrate --format json streams one event per line, in order, ending
//      with run_finished and the exit code, also when a step fails.
// The fixture is tests/plugins/progress_steps.cpp.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;
using test::Target;

// migrate of the progress fixture (`fixture`) with `more` flags and `env`.
test::CliRun Migrate(const Target& t, const std::vector<std::string>& more,
                     const std::vector<std::pair<std::string, std::string>>& env = {},
                     const std::string& fixture = "progress_steps") {
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options;
  options.password = server.password;
  options.env = env;
  return test::RunCli(
      CHIMP_BINARY, Args({server.flags, t.Common("migrate"), {"--plugins", test::FixtureDir(fixture)}, more}), options);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The stderr lines that start with "chimp: progress: " and contain `what`.
std::vector<std::string> ProgressLines(const std::string& err, const std::string& what) {
  std::vector<std::string> found;
  for (const std::string& line : Lines(err)) {
    if (line.rfind("chimp: progress: ", 0) == 0 && Contains(line, what)) found.push_back(line);
  }
  return found;
}

TEST_CASE("issue 14.1: piped, a native step that reports progress prints periodic done/total lines") {
  Target t("i14_plain");
  test::CliRun r = Migrate(t, {"--to", "1.0.0", "--progress-interval", "0.5"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = ProgressLines(r.err, "progress.fill: ");
  // 1.6 s of work, a line every 0.5 s: two at least, and never more than
  // one per interval (four at most, with the clock's slack).
  CHECK(lines.size() >= 2);
  CHECK(lines.size() <= 4);
  bool counted = false;
  for (const std::string& line : lines) {
    counted = counted || (Contains(line, "/16 (") && Contains(line, "/s") && Contains(line, "ETA"));
  }
  CHECK(counted);
  CHECK_FALSE(Contains(r.err, "\r"));                // no redrawing into a pipe
  CHECK_FALSE(Contains(r.out, "chimp: progress:"));  // stdout keeps its step lines only
  CHECK(Contains(r.out, "progress.fill (native) ... ok, "));
}

TEST_CASE("issue 14.1: a typed UpdateRows reports rows done of total, a long statement what the server does") {
  Target t("i14_typed");
  REQUIRE(Migrate(t, {"--to", "1.0.0", "-q"}).code == 0);
  test::CliRun r = Migrate(t, {"--progress-interval", "0.5"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  bool rows = false;
  for (const std::string& line : ProgressLines(r.err, "progress.update: ")) rows = rows || Contains(line, "/16 (");
  CHECK(rows);
  // The 2.6 s sleep: statements done of total, and the server's state once
  // it has run for 2 s.
  bool statements = false;
  bool server = false;
  for (const std::string& line : ProgressLines(r.err, "progress.long: ")) {
    statements = statements || Contains(line, "1/3 statements (33 %)");
    server = server || (Contains(line, "; server: ") && Contains(line, "DO SLEEP(2.6)"));
  }
  CHECK(statements);
  CHECK(server);
}

TEST_CASE("issue 14.1: --progress always redraws one line in place and erases it; -q shows none") {
  Target t("i14_live");
  test::CliRun live = Migrate(t, {"--to", "1.0.0", "--progress", "always"});
  INFO("stdout: " << live.out << "\nstderr: " << live.err);
  REQUIRE(live.code == 0);
  CHECK(Contains(live.err, "\r\033[K  [2/2] progress.fill: "));
  CHECK(Contains(live.err, "/16 ("));
  // The last thing drawn is the erase: the line is gone when the step ends.
  const size_t last_draw = live.err.rfind("progress.fill: ");
  REQUIRE(last_draw != std::string::npos);
  CHECK(live.err.find("\r\033[K", last_draw) != std::string::npos);
  CHECK(ProgressLines(live.err, "").empty());  // no plain lines besides
  CHECK_FALSE(Contains(live.out, "\r"));

  Target q("i14_quiet");
  test::CliRun quiet = Migrate(q, {"--to", "1.0.0", "-q", "--progress-interval", "0.5"});
  INFO("stderr -q: " << quiet.err);
  REQUIRE(quiet.code == 0);
  CHECK_FALSE(Contains(quiet.err, "progress"));
  CHECK_FALSE(Contains(quiet.err, "\r"));
}

TEST_CASE("issue 14.1: a backup shows the bytes the dump program has written") {
  Target t("i14_backup");
  REQUIRE(Migrate(t, {"--to", "1.0.0", "-q"}).code == 0);
  test::ScratchDir dir("chimp_i14_");
  // A dump program that writes for 1.5 s, then ends as mariadb-dump does.
  const std::string dump = (dir.path() / "slow-dump").string();
  {
    std::ofstream out(dump);
    out << "#!/bin/sh\nfor i in 1 2 3; do printf '%02048d\\n' 0; sleep 0.5; done\necho '-- Dump completed'\n";
  }
  ::chmod(dump.c_str(), 0700);
  test::CliRun r = Migrate(
      t,
      {"--to", "1.1.0", "--backup", (dir.path() / "dumps").string(), "--progress-interval", "0.4", "--format", "json"},
      {{"CHIMP_DUMP_PROGRAM", dump}});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  bool bytes = false;
  for (const std::string& line : Lines(r.out)) {
    const auto e = nlohmann::json::parse(line);
    if (e["event"] == "progress" && e["unit"] == "bytes") {
      bytes = bytes || (e["step_id"].is_null() && e["done"].is_number() && e["done"].get<int64_t>() >= 2049 &&
                        Contains(e["file"].get<std::string>(), "/dumps/"));
    }
  }
  CHECK(bytes);
}

// The events of a JSON run, each line parsed.
std::vector<nlohmann::json> Events(const std::string& out) {
  std::vector<nlohmann::json> events;
  for (const std::string& line : Lines(out)) events.push_back(nlohmann::json::parse(line));
  return events;
}

std::vector<std::string> Kinds(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> kinds;
  for (const auto& e : events) {
    const std::string kind = e["event"];
    if (kind != "progress") kinds.push_back(kind);
  }
  return kinds;
}

TEST_CASE("issue 14.2: migrate --format json streams events in order and ends with run_finished") {
  Target t("i14_json");
  test::CliRun r = Migrate(t, {"--to", "1.0.0", "--format", "json", "--progress-interval", "0.5"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  const std::vector<nlohmann::json> events = Events(r.out);  // throws when a line is not one JSON object
  REQUIRE(events.size() >= 6);
  CHECK(Kinds(events) == std::vector<std::string>{"run_started", "step_started", "step_finished", "step_started",
                                                  "step_finished", "version_reached", "run_finished"});
  CHECK(events.front()["steps_planned"] == 2);
  CHECK(events.front()["database"] == t.db);
  // Progress of the native step, rate-limited to one per 0.5 s.
  size_t progress = 0;
  for (const auto& e : events) {
    if (e["event"] != "progress") continue;
    ++progress;
    CHECK(e["step_id"] == "progress.fill");
    CHECK(e["unit"] == "units");
    CHECK(e["total"] == 16);
  }
  CHECK(progress >= 2);
  CHECK(progress <= 4);
  const auto& fill = events[events.size() - 3];
  CHECK(fill["event"] == "step_finished");
  CHECK(fill["step_id"] == "progress.fill");
  CHECK(fill["status"] == "success");
  CHECK(fill["error"].is_null());
  const auto& end = events.back();
  CHECK(end["ok"] == true);
  CHECK(end["exit_code"] == 0);
  CHECK(end["steps_run"] == 2);
  CHECK(end["reached_version"] == "1.0.0");
  CHECK(end["run_id"] == events.front()["run_id"]);
}

TEST_CASE("issue 14.2: a failing step ends the JSON stream with its step_finished and run_finished exit 8") {
  Target t("i14_json_fail");
  test::CliRun r = Migrate(t, {"--format", "json"}, {}, "progress_fails");
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 8);
  const std::vector<nlohmann::json> events = Events(r.out);
  CHECK(Kinds(events) == std::vector<std::string>{"run_started", "step_started", "step_finished", "step_started",
                                                  "step_finished", "run_finished"});
  REQUIRE(events.size() >= 2);
  const auto& failed = events[events.size() - 2];
  CHECK(failed["step_id"] == "progress.fill");
  CHECK(failed["status"] == "failed");
  CHECK(Contains(failed["error"].get<std::string>(), "the fixture fails after 8 rows"));
  const auto& end = events.back();
  CHECK(end["ok"] == false);
  CHECK(end["exit_code"] == 8);
  CHECK(end["steps_run"] == 1);
  CHECK(end["reached_version"].is_null());
  CHECK(end["error"]["exit_code"] == 8);
  CHECK(Contains(end["error"]["message"].get<std::string>(), "the fixture fails after 8 rows"));
}

TEST_CASE("issue 14.2: other commands' --format json failures print an error object on stdout") {
  // No server behind the socket: exit 6, for status, log and baseline alike.
  for (const char* command : {"status", "log", "baseline"}) {
    INFO(command);
    test::CliRun r = test::Chimp({command, "--socket", "/nonexistent/chimp_i14.sock", "-d", "i14_none", "--plugins",
                                  test::FixtureDir("progress_steps"), "--format", "json"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.code == 6);
    const auto doc = nlohmann::json::parse(r.out);  // one document
    CHECK(doc["error"]["exit_code"] == 6);
    CHECK(Contains(doc["error"]["message"].get<std::string>(), "/nonexistent/chimp_i14.sock"));
    CHECK(Contains(r.err, "/nonexistent/chimp_i14.sock"));  // and on stderr as before
  }
  // Text output is unchanged: nothing on stdout.
  test::CliRun text = test::Chimp({"status", "--socket", "/nonexistent/chimp_i14.sock", "-d", "i14_none"});
  CHECK(text.code == 6);
  CHECK(text.out.empty());
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
