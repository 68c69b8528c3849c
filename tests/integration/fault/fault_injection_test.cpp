// Fault injection: kills `chimp migrate` with SIGKILL at exact points
// (CHIMP_TEST_CRASH_AT, core/src/recovery/fault_points.hpp) and at random
// times, runs it again, and checks that the result equals a clean run's:
// the same exact dump (tests/support/dump.hpp: schema, rows, ids and
// AUTO_INCREMENT counters), exactly one `success` row per step, and every
// attempt that died left visible as a `failed` row ("interrupted: ...").
// Every kill's outcome is logged (outcome_log.hpp); one that does not
// converge fails a CHECK and the sweep goes on. The CloudStack chain has its
// own walk: cloudstack_chain_test.cpp.
//
// Environment (scripts/fault-injection.sh sets them for longer runs):
//   CHIMP_FAULT_MAX_HITS       highest n tried per crash point. Default: 12.
//   CHIMP_FAULT_RANDOM_KILLS   random-timing kills. Default: 6.
//   CHIMP_FAULT_SEED           seed of the random delays. Default: 4242.
//   CHIMP_FAULT_PLUGINS        plugin directory of a bundle that writes only
//                              the target database. Default: the sample app.
//   CHIMP_FAULT_TARGET         expand target. Default: 2.0.0 with the sample
//                              app, else the newest reachable version.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "integration/fault/outcome_log.hpp"
#include "support/chimp_cli.hpp"
#include "support/dump.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#if defined(CHIMP_BINARY) && defined(CHIMP_SAMPLE_MIGRATIONS_DIR)

namespace chimp {
namespace {

using test::Args;
using test::CliOptions;
using test::CliRun;
using test::Outcome;
using test::OutcomeLog;
using test::RunCli;
using test::TestServer;

long EnvLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

std::string EnvText(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct Harness {
  test::ServerFlags server = test::TestServerFlags();
  std::string plugins = EnvText("CHIMP_FAULT_PLUGINS", CHIMP_SAMPLE_MIGRATIONS_DIR);
  // "" = the newest reachable version.
  std::string target = EnvText("CHIMP_FAULT_TARGET", std::getenv("CHIMP_FAULT_PLUGINS") == nullptr ? "2.0.0" : "");

  std::vector<std::string> Common(const std::string& db) const {
    return Args({server.flags, {"-d", db, "--changelog-schema", db + "_chimp", "--plugins", plugins}});
  }
  std::vector<std::string> Expand(const std::string& db) const {
    if (target.empty()) return Args({{"migrate"}, Common(db)});
    return Args({{"migrate"}, Common(db), {"--to", target}});
  }
  std::vector<std::string> Cleanup(const std::string& db) const {
    return Args({{"migrate"}, Common(db), {"--phase", "cleanup"}});
  }
  CliRun Chimp(const std::vector<std::string>& args, std::vector<std::pair<std::string, std::string>> env = {},
               int kill_after_ms = 0) const {
    CliOptions o;
    o.password = server.password;
    o.env = std::move(env);
    o.kill_after_ms = kill_after_ms;
    return RunCli(CHIMP_BINARY, args, o);
  }
};

// The exact dump (tests/support/dump.hpp) of the target database: ids and
// AUTO_INCREMENT counters compared as they are (a kill must not leave a gap a
// clean run does not have). The CloudStack bundle, which writes `cloud` and
// `cloud_usage`, has its own walk (cloudstack_chain_test.cpp).
std::string CanonicalDump(const std::string& db) {
  auto conn = TestServer::Shared().Connect();
  return test::ExactDump(*conn, test::DumpScope{{db}, db, {}});
}

struct History {
  std::map<std::string, int> successes;  // step id -> success rows
  int interrupted = 0;                   // failed rows with 'interrupted: ...'
  int running = 0;                       // rows still `running`
};

History ReadHistory(const std::string& db) {
  History h;
  auto conn = TestServer::Shared().Connect();
  const std::string table = Connection::QuoteIdentifier(db + "_chimp") + ".chimp_changelog";
  const Value params[] = {Value::Text(db)};
  Status s = conn->QueryEach("SELECT step_id, status, IFNULL(error, '') FROM " + table + " WHERE target = ?", params,
                             [&](const Row& r) {
                               const std::string status = r[1].ToString();
                               if (status == "success") ++h.successes[r[0].ToString()];
                               if (status == "running") ++h.running;
                               if (status == "failed" && r[2].ToString().rfind("interrupted", 0) == 0) ++h.interrupted;
                               return true;
                             });
  if (!s.ok()) h.running = -1;  // no changelog yet (killed before it existed)
  return h;
}

struct Clean {
  std::string dump;
  std::map<std::string, int> successes;
  long expand_ms = 0;
};

// One clean run per plugin directory and target, shared by the tests.
const Clean& CleanRun(const Harness& h) {
  static std::map<std::string, Clean> runs;
  const std::string key = h.plugins + "\n" + h.target;
  if (auto it = runs.find(key); it != runs.end()) return it->second;
  return runs[key] = [&] {
    Clean c;
    const std::string db = TestServer::Shared().FreshDatabase("fault_clean");
    const auto start = std::chrono::steady_clock::now();
    CliRun expand = h.Chimp(h.Expand(db));
    c.expand_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (expand.code != 0) throw std::runtime_error("clean expand failed: " + expand.err);
    CliRun cleanup = h.Chimp(h.Cleanup(db));
    if (cleanup.code != 0) throw std::runtime_error("clean cleanup failed: " + cleanup.err);
    c.dump = CanonicalDump(db);
    c.successes = ReadHistory(db).successes;
    for (auto& [id, n] : c.successes) {
      if (n != 1) throw std::runtime_error("clean run: step " + id + " has " + std::to_string(n) + " successes");
    }
    return c;
  }();
}

// The step history after the rerun against the clean run's: "" when it is
// right, else what is wrong. `same_steps`: the killed run walked the clean
// run's route, so the same steps succeed; otherwise each step that succeeded
// did so exactly once.
std::string HistoryProblem(const History& after_kill, const History& end, const Clean& clean, bool same_steps) {
  if (same_steps && end.successes != clean.successes) return "the success rows differ from the clean run's";
  for (const auto& [step, count] : end.successes) {
    if (count != 1) return step + " has " + std::to_string(count) + " success rows";
  }
  if (end.running != 0) return std::to_string(end.running) + " rows still running";
  // Every attempt the kill left `running` is now a visible failed row.
  if (end.interrupted < std::max(after_kill.running, 0)) return "an interrupted attempt left no failed row";
  return "";
}

// After a kill (or a run that finished before its kill): migrate again,
// clean up, compare. A kill's outcome goes to OutcomeLog (`killed`), and
// each check is a doctest CHECK, so that one bad kill does not hide the next.
void Converges(const Harness& h, const std::string& db, const std::string& what, bool cleanup_killed,
               bool same_steps = true, bool killed = true) {
  CAPTURE(what);
  auto record = [&](Outcome outcome, const std::string& detail) {
    if (killed) OutcomeLog::Shared().Add(what, outcome, detail);
  };
  const History after_kill = ReadHistory(db);
  for (int phase = cleanup_killed ? 1 : 0; phase < 2; ++phase) {
    CliRun again = h.Chimp(phase == 0 ? h.Expand(db) : h.Cleanup(db));
    CAPTURE(again.err);
    CHECK(again.code == 0);
    if (again.code != 0) {
      record(again.code == 9 ? Outcome::kManualStep : Outcome::kFailed, (phase == 0 ? "" : "cleanup: ") + again.err);
      return;
    }
  }
  const Clean& clean = CleanRun(h);
  const std::string dump = CanonicalDump(db);
  CHECK(dump == clean.dump);
  if (dump != clean.dump) {
    // Both dumps, for a diff.
    const std::string stem = (std::filesystem::temp_directory_path() / ("chimp_fault_" + db)).string();
    std::ofstream(stem + ".dump") << dump;
    std::ofstream(stem + ".clean") << clean.dump;
    const std::string first = test::FirstDifference(clean.dump, dump);
    record(Outcome::kDiverged, first + " (diff " + stem + ".clean " + stem + ".dump)");
    MESSAGE("dumps differ at " << first << ": diff " << stem << ".clean " << stem << ".dump");
    return;
  }
  const std::string problem = HistoryProblem(after_kill, ReadHistory(db), clean, same_steps);
  CHECK_MESSAGE(problem.empty(), problem);
  record(problem.empty() ? Outcome::kConverged : Outcome::kDiverged, "history: " + problem);
}

struct Tally {
  int kills = 0;
  int completed = 0;
};

enum class Sweep {
  kExpand,      // empty -> target
  kCleanup,     // the cleanup phase, after a clean expand
  kFromHotfix,  // 1.1.1 -> 2.0.0: the sample's other route into 2.0.0
};

// Kills at `point` on hits 1, 2, ... until a run no longer reaches it.
void SweepPoint(const Harness& h, const std::string& point, Sweep sweep, long max_hits, Tally* tally) {
  const bool in_cleanup = sweep == Sweep::kCleanup;
  for (long n = 1; n <= max_hits; ++n) {
    const std::string db = TestServer::Shared().FreshDatabase("fault");
    if (in_cleanup) REQUIRE(h.Chimp(h.Expand(db)).code == 0);
    if (sweep == Sweep::kFromHotfix) REQUIRE(h.Chimp(Args({{"migrate"}, h.Common(db), {"--to", "1.1.1"}})).code == 0);
    const std::string spec = point + ":" + std::to_string(n);
    CliRun killed = h.Chimp(in_cleanup ? h.Cleanup(db) : h.Expand(db), {{"CHIMP_TEST_CRASH_AT", spec}});
    CAPTURE(spec);
    CAPTURE(killed.err);
    if (killed.code == 0) {
      ++tally->completed;
      return;  // this point has fewer than n hits
    }
    CHECK(killed.signal == SIGKILL);
    if (killed.signal != SIGKILL) {
      OutcomeLog::Shared().Add(spec, Outcome::kFailed,
                               "the killed run ended with exit " + std::to_string(killed.code) + ": " + killed.err);
      continue;
    }
    ++tally->kills;
    const char* label = in_cleanup ? "cleanup " : sweep == Sweep::kFromHotfix ? "from 1.1.1 " : "expand ";
    Converges(h, db, label + spec, in_cleanup, sweep != Sweep::kFromHotfix);
  }
}

const char* const kPoints[] = {"step-start",     "before-statement",        "after-statement",
                               "after-index",    "before-commit",           "after-commit",
                               "before-version", "before-native-statement", "after-native-statement"};

TEST_CASE("fault: a SIGKILL at every crash point converges to the clean run's state") {
  Harness h;
  const auto start = std::chrono::steady_clock::now();
  (void)CleanRun(h);
  const long max_hits = EnvLong("CHIMP_FAULT_MAX_HITS", 12);
  Tally tally;
  for (const char* point : kPoints) SweepPoint(h, point, Sweep::kExpand, max_hits, &tally);
  for (const char* point : kPoints) SweepPoint(h, point, Sweep::kCleanup, max_hits, &tally);
  // The hotfix route exists only in the sample application.
  if (std::getenv("CHIMP_FAULT_PLUGINS") == nullptr) {
    for (const char* point : kPoints) SweepPoint(h, point, Sweep::kFromHotfix, max_hits, &tally);
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("fault injection: %d exact kills (%d runs finished before their hit), %lld ms\n", tally.kills,
              tally.completed, static_cast<long long>(ms));
  if (max_hits >= 12) CHECK(tally.kills >= 50);  // the suite's bound: at least 50 kills
}

TEST_CASE("fault: SIGKILL after a random delay converges to the clean run's state") {
  Harness h;
  const Clean& clean = CleanRun(h);
  const long kills = EnvLong("CHIMP_FAULT_RANDOM_KILLS", 6);
  std::mt19937 random(static_cast<unsigned>(EnvLong("CHIMP_FAULT_SEED", 4242)));
  std::uniform_int_distribution<long> delay(1, std::max<long>(clean.expand_ms, 2));
  Tally tally;
  const auto start = std::chrono::steady_clock::now();
  for (long k = 0; k < kills; ++k) {
    const std::string db = TestServer::Shared().FreshDatabase("fault_rnd");
    const long ms = delay(random);
    CliRun killed = h.Chimp(h.Expand(db), {}, static_cast<int>(ms));
    if (killed.code == 0) {
      ++tally.completed;
    } else {
      REQUIRE(killed.signal == SIGKILL);
      ++tally.kills;
    }
    Converges(h, db, "random kill after " + std::to_string(ms) + " ms", false, true, killed.code != 0);
  }
  const auto total =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("fault injection: %d random kills (%d runs finished first), %lld ms\n", tally.kills, tally.completed,
              static_cast<long long>(total));
}

#ifdef CHIMP_TEST_PLUGIN_DIR
TEST_CASE("fault: a SIGKILL inside a batch of DDL statements converges") {
  Harness h;
  h.plugins = test::FixtureDir("ddl_batches");
  h.target = "1.0.0";
  (void)CleanRun(h);

  // The first CREATE TABLE ran; the write before it carried the pre-images
  // of all three.
  const std::string db = TestServer::Shared().FreshDatabase("fault_batch");
  REQUIRE(h.Chimp(h.Expand(db), {{"CHIMP_TEST_CRASH_AT", "after-statement:1"}}).signal == SIGKILL);
  auto conn = TestServer::Shared().Connect();
  const Value params[] = {Value::Text(db)};
  auto pending = conn->QueryScalar("SELECT pending_fingerprint FROM `" + db +
                                       "_chimp`.chimp_changelog "
                                       "WHERE target = ? AND status = 'running'",
                                   params);
  REQUIRE(pending.ok());
  REQUIRE(pending->has_value());
  const std::string images = (*pending)->ToString();
  CAPTURE(images);
  CHECK(std::count(images.begin(), images.end(), ' ') == 2);  // three fingerprints
  Converges(h, db, "after-statement:1", false);

  Tally tally;
  for (const char* point : kPoints) SweepPoint(h, point, Sweep::kExpand, 20, &tally);
  std::printf("fault injection: %d exact kills in DDL batches\n", tally.kills);
  CHECK(tally.kills >= 20);
}
#endif

// A statement whose effect chimp cannot see: the kill is followed by
// marking its pre-image "unknown" (what a CALL or GRANT records).
void StopsAndRepairs(bool took_effect) {
  Harness h;
  const std::string db = TestServer::Shared().FreshDatabase("fault_unknown");
  const std::string step = "library.1.1.0.add-slug";
  REQUIRE(h.Chimp(Args({{"migrate"}, h.Common(db), {"--to", "1.0.0"}})).code == 0);
  // Hit 1 on the way to 1.1.0 is add-slug's ALTER TABLE.
  CliRun killed = h.Chimp(Args({{"migrate"}, h.Common(db), {"--to", "1.1.0"}}),
                          {{"CHIMP_TEST_CRASH_AT", took_effect ? "after-statement:1" : "before-statement:1"}});
  REQUIRE(killed.signal == SIGKILL);
  const Value params[] = {Value::Text(db), Value::Text(step)};
  REQUIRE(TestServer::Shared()
              .Connect()
              ->Execute("UPDATE `" + db +
                            "_chimp`.chimp_changelog SET pending_fingerprint = 'unknown' "
                            "WHERE target = ? AND step_id = ?",
                        params)
              .ok());

  CliRun stopped = h.Chimp(Args({{"migrate"}, h.Common(db), {"--to", "1.1.0"}}));
  CAPTURE(stopped.err);
  CHECK(stopped.code == 9);
  CHECK(stopped.err.find("statement 1 (") != std::string::npos);
  CHECK(stopped.err.find("ALTER TABLE books ADD COLUMN slug") != std::string::npos);
  CHECK(stopped.err.find("chimp repair --statement-done " + step) != std::string::npos);
  CHECK(stopped.err.find("chimp repair --statement-not-done " + step) != std::string::npos);
  // Still stopped: asking again changes nothing.
  CHECK(h.Chimp(Args({{"migrate"}, h.Common(db), {"--to", "1.1.0"}})).code == 9);

  CliRun repair = h.Chimp(
      Args({{"repair"}, h.Common(db), {took_effect ? "--statement-done" : "--statement-not-done", step, "--yes"}}));
  CAPTURE(repair.out);
  CAPTURE(repair.err);
  REQUIRE(repair.code == 0);
  CliRun resumed = h.Chimp(h.Expand(db));
  CAPTURE(resumed.err);
  REQUIRE(resumed.code == 0);
  REQUIRE(h.Chimp(h.Cleanup(db)).code == 0);
  CHECK(CanonicalDump(db) == CleanRun(h).dump);
  CHECK(ReadHistory(db).successes == CleanRun(h).successes);
  auto conn = TestServer::Shared().Connect();
  auto audit = conn->QueryScalar("SELECT COUNT(*) FROM `" + db + "_chimp`.chimp_repairs WHERE action = '" +
                                 (took_effect ? "statement-done" : "statement-not-done") + "'");
  REQUIRE(audit.ok());
  CHECK((*audit)->ToString() == "1");
}

TEST_CASE("fault: a statement chimp cannot judge stops the run; repair --statement-done takes the answer") {
  StopsAndRepairs(/*took_effect=*/true);
}

TEST_CASE("fault: a statement chimp cannot judge stops the run; repair --statement-not-done takes the answer") {
  StopsAndRepairs(/*took_effect=*/false);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY && CHIMP_SAMPLE_MIGRATIONS_DIR
