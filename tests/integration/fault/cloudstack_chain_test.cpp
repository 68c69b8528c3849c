// Fault injection over the whole CloudStack chain (plugins/cloudstack): the
// `chimp` binary is SIGKILLed inside every segment of the chain, at an exact
// crash point (CHIMP_TEST_CRASH_AT, core/src/recovery/fault_points.hpp) or
// after a random delay, run again to the segment's end, and the exact dump
// (tests/support/dump.hpp) of `cloud` and `cloud_usage` — schema, rows, ids,
// AUTO_INCREMENT counters — and of the `cloud` accounts' grants is compared
// with a clean run's at the same version. Every step must then have one
// `success` row and no row may be left `running`.
//
// A clean walk first migrates stop by stop (`migrate --to V` for each stop V)
// and keeps, per stop, the exact dump and the success rows. A kill walk then
// migrates the same stops, killing once inside each segment; a kill that
// converged leaves the clean state, so the walk goes on from it; one that did
// not is logged (outcome_log.hpp) and the walk goes on from a fresh clean run
// to the stop. The kill's place in the segment is drawn from the clean
// segment's figures: n in [1, the statements (or steps) it ran], or a delay in
// [1 ms, its duration].
//
// Environment (scripts/fault-injection.sh sets them for the long campaign):
//   CHIMP_FAULT_CS_STOPS         "all" (every edge of the corpus manifest) or
//                                a comma-separated list. Default: three stops.
//   CHIMP_FAULT_CS_WALKS         kill walks at exact points. Default: 1.
//   CHIMP_FAULT_CS_RANDOM_WALKS  kill walks at random delays. Default: 0.
//   CHIMP_FAULT_SEED             seed of the draws. Default: 4242.
#include <doctest/doctest.h>

#include <signal.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/fault/outcome_log.hpp"
#include "support/chimp_cli.hpp"
#include "support/dump.hpp"
#include "support/mariadb_server.hpp"

#if defined(CHIMP_BINARY) && defined(CHIMP_CLOUDSTACK_PLUGIN_DIR) && defined(CHIMP_CLOUDSTACK_CORPUS_DIR)

namespace chimp {
namespace {

namespace fs = std::filesystem;

using test::CliRun;
using test::Outcome;
using test::OutcomeLog;
using test::TestServer;

constexpr const char* kChangelog = "fault_cs_chimp";

// What is dumped and compared.
const test::DumpScope kCompared{{"cloud", "cloud_usage"}, "", {"cloud"}};

// The suite's stops, kept short (each walk starts from an empty server, and
// the base edge is most of the cost): the base edge with its CREATE USER and
// GRANTs, 4.0.0 -> 4.2.1, and 4.2.1 -> 4.3.0, the edge of issue 10.1 (a kill
// inside a DML transaction leaves an AUTO_INCREMENT gap). The whole chain is
// scripts/fault-injection.sh's (CHIMP_FAULT_CS_STOPS=all).
const char* const kSuiteStops = "4.0.0,4.2.1,4.3.0";

const char* const kPoints[] = {"before-statement",      "after-statement", "after-index",    "before-commit",
                               "after-commit",          "step-start",      "before-version", "before-native-statement",
                               "after-native-statement"};

long EnvLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, separator);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<long> VersionNumbers(const std::string& version) {
  std::vector<long> numbers;
  for (const std::string& part : Split(version, '.')) numbers.push_back(std::strtol(part.c_str(), nullptr, 10));
  return numbers;
}

// The versions of the manifest's consistent chain, base first, leaving out
// an edge whose version is below the one before it (4.4.4 runs after 4.5.0:
// `--to 4.4.4` is no stop of a walk).
std::vector<std::string> ManifestStops() {
  std::ifstream in(fs::path(CHIMP_CLOUDSTACK_CORPUS_DIR) / "manifest.toml");
  std::vector<std::string> stops = {"4.0.0"};
  bool in_edge = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[[", 0) == 0) in_edge = line == "[[edge]]";
    if (!in_edge || line.rfind("to = \"", 0) != 0) continue;
    const std::string v = line.substr(6, line.find('"', 6) - 6);
    if (VersionNumbers(v) > VersionNumbers(stops.back())) stops.push_back(v);
  }
  return stops;
}

std::vector<std::string> Stops() {
  const char* env = std::getenv("CHIMP_FAULT_CS_STOPS");
  const std::string text = env != nullptr && *env != '\0' ? env : kSuiteStops;
  return text == "all" ? ManifestStops() : Split(text, ',');
}

using Successes = std::map<std::string, long>;  // step id -> success rows

struct Segment {
  std::string to;
  std::string dump;     // the clean run's at `to`
  Successes successes;  // the clean run's at `to`
  long ms = 0;          // the clean run of the segment
  long statements = 0;  // statements the clean run of the segment ran
  long steps = 0;       // steps it ran
};

std::vector<std::string> Flags() {
  return test::Args({test::TestServerFlags().flags,
                     {"--plugins", CHIMP_CLOUDSTACK_PLUGIN_DIR, "-d", "cloud", "--changelog-schema", kChangelog}});
}

CliRun MigrateTo(const std::string& to, std::vector<std::pair<std::string, std::string>> env = {}, int kill_ms = 0) {
  test::CliOptions o;
  o.password = test::TestServerFlags().password;
  o.env = std::move(env);
  o.kill_after_ms = kill_ms;
  return test::RunCli(CHIMP_BINARY, test::Args({{"migrate", "--to", to}, Flags()}), o);
}

void Execute(Connection& conn, const std::string& sql) {
  auto r = conn.Execute(sql);
  if (!r.ok()) throw std::runtime_error(sql + ": " + r.status().ToString());
}

// An empty server for the bundle: no `cloud`, `cloud_usage`, changelog, nor
// the `cloud` accounts.
void Reset(Connection& conn) {
  for (const char* schema : {"cloud", "cloud_usage", kChangelog}) {
    Execute(conn, std::string("DROP DATABASE IF EXISTS `") + schema + "`");
  }
  Execute(conn, "DROP USER IF EXISTS 'cloud'@'localhost', 'cloud'@'%'");
}

std::string Changelog() { return std::string("`") + kChangelog + "`.chimp_changelog"; }

long Scalar(Connection& conn, const std::string& sql) {
  auto v = conn.QueryScalar(sql);
  if (!v.ok()) throw std::runtime_error(sql + ": " + v.status().ToString());
  return v->has_value() && !(*v)->is_null() ? std::strtol((*v)->ToString().c_str(), nullptr, 10) : 0;
}

Successes ReadSuccesses(Connection& conn) {
  Successes out;
  Status st = conn.QueryEach("SELECT step_id, COUNT(*) FROM " + Changelog() + " WHERE status = 'success' GROUP BY 1",
                             {}, [&](const Row& r) {
                               out[r[0].ToString()] = std::strtol(r[1].ToString().c_str(), nullptr, 10);
                               return true;
                             });
  if (!st.ok()) throw std::runtime_error("reading the changelog: " + st.ToString());
  return out;
}

// "" when the success rows are the clean run's at `s` and no row is
// running; else what is wrong. Repeatable steps (they run on every
// `migrate`) may have more success rows than in the clean walk.
std::string HistoryProblem(Connection& conn, const Segment& s, const std::set<std::string>& repeatable) {
  const long running = Scalar(conn, "SELECT COUNT(*) FROM " + Changelog() + " WHERE status = 'running'");
  if (running != 0) return std::to_string(running) + " rows still running";
  Successes now = ReadSuccesses(conn);
  for (const auto& [step, n] : s.successes) now.emplace(step, 0);
  for (const auto& [step, n] : now) {
    const auto clean = s.successes.find(step);
    const long expected = clean == s.successes.end() ? 0 : clean->second;
    if (repeatable.count(step) == 0 && n != expected) {
      return step + " has " + std::to_string(n) + " success rows, the clean run " + std::to_string(expected);
    }
  }
  return "";
}

// The clean walk: every stop in turn from an empty server.
std::vector<Segment> CleanWalk(const std::vector<std::string>& stops) {
  auto conn = TestServer::Shared().Connect();
  Reset(*conn);
  std::vector<Segment> segments;
  long statements = 0;
  long steps = 0;
  for (const std::string& to : stops) {
    Segment s;
    s.to = to;
    const auto start = std::chrono::steady_clock::now();
    CliRun run = MigrateTo(to);
    s.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (run.code != 0) throw std::runtime_error("clean migrate --to " + to + " failed: " + run.err);
    const long all = Scalar(*conn, "SELECT SUM(statement_count) FROM " + Changelog() + " WHERE status = 'success'");
    const long rows = Scalar(*conn, "SELECT COUNT(*) FROM " + Changelog() + " WHERE status = 'success'");
    s.statements = all - statements;
    s.steps = rows - steps;
    statements = all;
    steps = rows;
    s.successes = ReadSuccesses(*conn);
    s.dump = test::ExactDump(*conn, kCompared);
    segments.push_back(std::move(s));
  }
  return segments;
}

// Where a kill walk kills inside one segment.
struct Kill {
  std::string crash_at;  // CHIMP_TEST_CRASH_AT, or ""
  long delay_ms = 0;     // else after this delay
  std::string Label(const std::string& from, const std::string& to) const {
    return (from.empty() ? "empty" : from) + " -> " + to + " at " +
           (crash_at.empty() ? std::to_string(delay_ms) + " ms" : crash_at);
  }
};

Kill DrawKill(const Segment& s, size_t segment, long walk, bool random_delay, std::mt19937* random) {
  Kill k;
  if (random_delay) {
    k.delay_ms = std::uniform_int_distribution<long>(1, std::max<long>(s.ms, 2))(*random);
    return k;
  }
  const std::string point = kPoints[(static_cast<size_t>(walk) + segment) % std::size(kPoints)];
  const long hits = point == "step-start" || point == "before-version" ? s.steps : std::max(s.statements, s.steps);
  k.crash_at = point + ":" + std::to_string(std::uniform_int_distribution<long>(1, std::max<long>(hits, 1))(*random));
  return k;
}

// The outcome of one killed segment, after the rerun to its end.
std::pair<Outcome, std::string> Rerun(Connection& conn, const Segment& s, const std::set<std::string>& repeatable) {
  CliRun again = MigrateTo(s.to);
  if (again.code == 9) return {Outcome::kManualStep, again.err};
  if (again.code != 0) return {Outcome::kFailed, "exit " + std::to_string(again.code) + ": " + again.err};
  const std::string dump = test::ExactDump(conn, kCompared);
  if (dump != s.dump) {
    const std::string stem =
        (fs::temp_directory_path() / ("chimp_fault_cs_" + std::to_string(getpid()) + "_" + s.to)).string();
    std::ofstream(stem + ".dump") << dump;
    std::ofstream(stem + ".clean") << s.dump;
    return {Outcome::kDiverged, test::FirstDifference(s.dump, dump) + " (diff " + stem + ".clean " + stem + ".dump)"};
  }
  const std::string problem = HistoryProblem(conn, s, repeatable);
  if (!problem.empty()) return {Outcome::kDiverged, "history: " + problem};
  return {Outcome::kConverged, ""};
}

struct WalkTally {
  int kills = 0;
  int finished = 0;  // runs that ended before their kill
  int bad = 0;       // kills that did not converge
};

// Puts the clean state at `s` back, made afresh: a mariadb-dump restore is
// not that state (an index InnoDB made for a foreign key becomes explicit,
// and a later ALTER that adds a better one no longer drops it).
void Resync(Connection& conn, const Segment& s) {
  Reset(conn);
  CliRun clean = MigrateTo(s.to);
  REQUIRE_MESSAGE(clean.code == 0, clean.err);
  const std::string again = test::ExactDump(conn, kCompared);
  REQUIRE_MESSAGE(again == s.dump, "a second clean run to "
                                       << s.to << " differs from the first: " << test::FirstDifference(s.dump, again));
}

// One kill walk over `segments`; the outcomes go to OutcomeLog.
void KillWalk(const std::vector<Segment>& segments, const std::set<std::string>& repeatable, long walk,
              bool random_delay, std::mt19937* random, WalkTally* tally) {
  auto conn = TestServer::Shared().Connect();
  Reset(*conn);
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const Kill kill = DrawKill(s, i, walk, random_delay, random);
    const std::string what = kill.Label(i == 0 ? "" : segments[i - 1].to, s.to);
    CliRun killed = kill.crash_at.empty() ? MigrateTo(s.to, {}, static_cast<int>(kill.delay_ms))
                                          : MigrateTo(s.to, {{"CHIMP_TEST_CRASH_AT", kill.crash_at}});
    std::pair<Outcome, std::string> outcome;
    if (killed.code == 0) {
      ++tally->finished;  // fewer hits than drawn, or faster than the delay
      outcome = Rerun(*conn, s, repeatable);
      if (outcome.first == Outcome::kConverged) continue;
      outcome.second = "a run that was not killed: " + outcome.second;
    } else if (killed.signal != SIGKILL) {
      outcome = {Outcome::kFailed, "the killed run ended with exit " + std::to_string(killed.code) + ": " + killed.err};
    } else {
      ++tally->kills;
      outcome = Rerun(*conn, s, repeatable);
    }
    OutcomeLog::Shared().Add(what, outcome.first, outcome.second);
    if (outcome.first == Outcome::kConverged) continue;
    ++tally->bad;
    Resync(*conn, s);
  }
}

bool BundleBuilt() {
  return fs::exists(fs::path(CHIMP_CLOUDSTACK_CORPUS_DIR) / "manifest.toml") &&
         fs::exists(fs::path(CHIMP_CLOUDSTACK_PLUGIN_DIR) / "cloudstack_00_base.so");
}

TEST_CASE("fault: a SIGKILL inside every segment of the CloudStack chain converges to the clean run's state") {
  if (!BundleBuilt()) {
    MESSAGE("skipped: the CloudStack corpus or bundle is absent");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> stops = Stops();
  const std::vector<Segment> segments = CleanWalk(stops);
  const auto clean_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::mt19937 random(static_cast<unsigned>(EnvLong("CHIMP_FAULT_SEED", 4242)));
  WalkTally tally;
  const long walks = EnvLong("CHIMP_FAULT_CS_WALKS", 1);
  const long random_walks = EnvLong("CHIMP_FAULT_CS_RANDOM_WALKS", 0);
  std::set<std::string> repeatable;  // steps that ran more than once in the clean walk
  for (const auto& [step, n] : segments.back().successes) {
    if (n > 1) repeatable.insert(step);
  }
  for (long w = 0; w < walks + random_walks; ++w) KillWalk(segments, repeatable, w, w >= walks, &random, &tally);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "fault injection: CloudStack chain, %zu stops, %ld exact and %ld random walks: %d kills (%d runs "
      "finished before their kill), clean walk %lld ms, all %lld ms\n",
      stops.size(), walks, random_walks, tally.kills, tally.finished, static_cast<long long>(clean_ms),
      static_cast<long long>(ms));
  CHECK(tally.bad == 0);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY && CHIMP_CLOUDSTACK_PLUGIN_DIR && CHIMP_CLOUDSTACK_CORPUS_DIR
