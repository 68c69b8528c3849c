// Fault injection: kills `chimp migrate` with SIGKILL at exact points
// (CHIMP_TEST_CRASH_AT, core/src/recovery/fault_points.hpp) and at random
// times, runs it again, and checks that the result equals a clean run's:
// the same schema and rows, exactly one `success` row per step, and every
// attempt that died left visible as a `failed` row ("interrupted: ...").
//
// Environment (scripts/fault-injection.sh sets them for longer runs):
//   CHIMP_FAULT_MAX_HITS       highest n tried per crash point. Default: 12.
//   CHIMP_FAULT_RANDOM_KILLS   random-timing kills. Default: 6.
//   CHIMP_FAULT_SEED           seed of the random delays. Default: 4242.
//   CHIMP_FAULT_PLUGINS        plugin directory. Default: the sample app.
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

// The exact dump (tests/support/dump.hpp) of every schema the plugins write:
// the target database and, with the CloudStack bundle (CHIMP_FAULT_PLUGINS),
// the schemas its base files hard-code; ids and AUTO_INCREMENT counters are
// compared exactly (a kill must not leave a gap a clean run does not have).
const char* const kCloudStackSchemas[] = {"cloud", "cloud_usage"};

std::string CanonicalDump(const std::string& db) {
  auto conn = TestServer::Shared().Connect();
  std::vector<std::string> schemas = {db};
  if (std::getenv("CHIMP_FAULT_PLUGINS") != nullptr) {
    for (const std::string& s : test::WrittenSchemas(*conn, {})) {
      if (std::find(std::begin(kCloudStackSchemas), std::end(kCloudStackSchemas), s) != std::end(kCloudStackSchemas))
        schemas.push_back(s);
    }
  }
  return test::ExactDump(*conn, schemas);
}

// A fresh target database; with the CloudStack bundle, also no `cloud`,
// `cloud_usage` nor the `cloud` account left by the previous run.
std::string FreshTarget(const std::string& prefix) {
  if (std::getenv("CHIMP_FAULT_PLUGINS") != nullptr) {
    auto conn = TestServer::Shared().Connect();
    for (const char* s : kCloudStackSchemas)
      REQUIRE(conn->Execute(std::string("DROP DATABASE IF EXISTS `") + s + "`").ok());
    REQUIRE(conn->Execute("DROP USER IF EXISTS 'cloud'@'localhost', 'cloud'@'%'").ok());
  }
  return TestServer::Shared().FreshDatabase(prefix);
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
    const std::string db = FreshTarget("fault_clean");
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

// Every kill's class, kept across the test cases; printed at exit so that a
// campaign reports all of its kills, not just the first bad one.
class OutcomeLog {
 public:
  void Add(const std::string& what, const std::string& kind, const std::string& detail) {
    ++counts_[kind];
    if (kind != "converged")
      std::printf("fault injection: NOT CONVERGED %s: %s: %s\n", what.c_str(), kind.c_str(), detail.c_str());
  }
  ~OutcomeLog() {
    int total = 0;
    for (const auto& [kind, n] : counts_) total += n;
    if (total == 0) return;
    std::printf("fault injection totals: kills %d, converged %d, manual steps %d, divergences %d, failed %d\n", total,
                counts_["converged"], counts_["needed the operator (exit 9)"], counts_["diverged"], counts_["failed"]);
  }

 private:
  std::map<std::string, int> counts_;
};

OutcomeLog& Outcomes() {
  static OutcomeLog log;
  return log;
}

// After a kill (or a run that finished): migrate again, clean up, compare.
// `same_steps`: the killed run walked the clean run's route, so the same
// steps succeed; otherwise each step that succeeded did so exactly once.
void Converges(const Harness& h, const std::string& db, const std::string& what, bool cleanup_killed,
               bool same_steps = true) {
  CAPTURE(what);
  const History after_kill = ReadHistory(db);
  if (!cleanup_killed) {
    CliRun again = h.Chimp(h.Expand(db));
    CAPTURE(again.out);
    CAPTURE(again.err);
    CHECK(again.code == 0);
    if (again.code != 0) {
      Outcomes().Add(what, again.code == 9 ? "needed the operator (exit 9)" : "failed", again.err);
      return;
    }
  }
  CliRun cleanup = h.Chimp(h.Cleanup(db));
  CAPTURE(cleanup.out);
  CAPTURE(cleanup.err);
  CHECK(cleanup.code == 0);
  if (cleanup.code != 0) {
    Outcomes().Add(what, cleanup.code == 9 ? "needed the operator (exit 9)" : "failed", "cleanup: " + cleanup.err);
    return;
  }
  const Clean& clean = CleanRun(h);
  const std::string dump = CanonicalDump(db);
  CHECK(dump == clean.dump);
  if (dump != clean.dump) {
    // Both dumps, for a diff.
    const std::string stem = (std::filesystem::temp_directory_path() / ("chimp_fault_" + db)).string();
    std::ofstream(stem + ".dump") << dump;
    std::ofstream(stem + ".clean") << clean.dump;
    Outcomes().Add(what, "diverged", test::FirstDifference(clean.dump, dump));
    MESSAGE("dumps differ at " << test::FirstDifference(clean.dump, dump) << ": diff " << stem << ".clean " << stem
                               << ".dump");
  }
  const History end = ReadHistory(db);
  if (dump == clean.dump) Outcomes().Add(what, "converged", "");
  if (same_steps) {
    CHECK(end.successes == clean.successes);
  } else {
    for (const auto& [step, count] : end.successes) CHECK_MESSAGE(count == 1, step);
  }
  CHECK(end.running == 0);
  // Every attempt the kill left `running` is now a visible failed row.
  CHECK(end.interrupted >= std::max(after_kill.running, 0));
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
    const std::string db = FreshTarget("fault");
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
      Outcomes().Add(spec, "failed",
                     "the killed run ended with exit " + std::to_string(killed.code) + ": " + killed.err);
      continue;
    }
    ++tally->kills;
    const char* label = in_cleanup ? "cleanup " : sweep == Sweep::kFromHotfix ? "from 1.1.1 " : "expand ";
    Converges(h, db, label + spec, in_cleanup, sweep != Sweep::kFromHotfix);
  }
}

const char* const kPoints[] = {"step-start",    "before-statement", "after-statement", "after-index",
                               "before-commit", "after-commit",     "before-version"};

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
  std::printf("fault injection: %d kill points converged (%d runs finished before their hit), %lld ms\n", tally.kills,
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
    const std::string db = FreshTarget("fault_rnd");
    const long ms = delay(random);
    CliRun killed = h.Chimp(h.Expand(db), {}, static_cast<int>(ms));
    if (killed.code == 0) {
      ++tally.completed;
    } else {
      REQUIRE(killed.signal == SIGKILL);
      ++tally.kills;
    }
    Converges(h, db, "random kill after " + std::to_string(ms) + " ms", false);
  }
  const auto total =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("fault injection: %d random kills converged (%d runs finished first), %lld ms\n", tally.kills,
              tally.completed, static_cast<long long>(total));
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
  std::printf("fault injection: %d kill points in DDL batches converged\n", tally.kills);
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
