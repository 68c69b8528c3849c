// The Apache CloudStack bundle (plugins/cloudstack/, generated from
// ../shared/corpus/cloudstack) on a real MariaDB: a fresh 4.0.0 install
// upgraded to 4.22.0.0 by the chimp binary, the 35 views valid, a second run
// a no-op, and the same final schema when the upgrade stops at 4.5.0,
// 4.11.0.0 and 4.16.0.0 on the way.
//
// The base files hard-code the databases `cloud` and `cloud_usage` and the
// users cloud@localhost and cloud@%, so the runs share one server and run one
// after the other; each starts by dropping both databases, and each keeps its
// changelog in a schema of its own. Slow: two full chains (the direct run,
// through the chimp binary when it is built, and the stepped run), about
// 100 s each on a loaded 2-CPU machine.
//
// Skipped, with a message, when the corpus or the built bundle is absent.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chimp/engine.hpp"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

using test::CurrentVersion;
using test::V;

#if defined(CHIMP_CLOUDSTACK_PLUGIN_DIR) && defined(CHIMP_CLOUDSTACK_CORPUS_DIR)

const fs::path kPluginDir = CHIMP_CLOUDSTACK_PLUGIN_DIR;
const fs::path kCorpusDir = CHIMP_CLOUDSTACK_CORPUS_DIR;

// Why the tests cannot run here, or "" when they can.
std::string SkipReason() {
  if (!fs::exists(kCorpusDir / "manifest.toml")) {
    return "skipped: the CloudStack corpus is not at " + kCorpusDir.string();
  }
  if (!fs::exists(kPluginDir / "cloudstack_00_base.so") || !fs::exists(kPluginDir / "cloudstack_47_4.22.0.0.so")) {
    return "skipped: the CloudStack bundle is not built in " + kPluginDir.string();
  }
  return "";
}

EngineOptions CsOptions(const std::string& changelog_schema) {
  EngineOptions options;
  options.connection = test::TestServer::Shared().Options();
  options.database = "cloud";
  options.plugin_dirs = {kPluginDir.string()};
  options.changelog_schema = changelog_schema;
  options.lock_timeout = std::chrono::seconds(30);
  return options;
}

// A server where `cloud` does not exist: drops what an earlier run left.
std::string FreshRun(const char* name) {
  auto conn = test::TestServer::Shared().Connect();
  std::string changelog = test::TestServer::Shared().FreshDatabase(name);
  for (const char* db : {"cloud", "cloud_usage"}) {
    auto r = conn->Execute(std::string("DROP DATABASE IF EXISTS `") + db + "`");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  }
  return changelog;
}

std::vector<std::string> Column(const std::string& sql) {
  auto conn = test::TestServer::Shared().Connect();
  auto result = conn->Query(sql);
  REQUIRE_MESSAGE(result.ok(), sql << ": " << result.status().ToString());
  std::vector<std::string> out;
  for (const Row& row : result->rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += " | ";
      line += row[i].is_null() ? "NULL" : row[i].ToString();
    }
    out.push_back(line);
  }
  return out;
}

// The canonical form of the schemas cloud and cloud_usage: tables, columns,
// indexes, foreign keys, views and routines, sorted; volatile parts
// (AUTO_INCREMENT counters, row counts, times) left out.
std::vector<std::string> CanonicalSchema() {
  const std::string in = "IN ('cloud', 'cloud_usage')";
  std::vector<std::string> dump;
  auto add = [&](const char* kind, const std::string& sql) {
    for (std::string& line : Column(sql)) dump.push_back(std::string(kind) + ": " + line);
  };
  add("table",
      "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT "
      "FROM information_schema.TABLES WHERE TABLE_SCHEMA " +
          in + " ORDER BY 1, 2");
  add("column",
      "SELECT TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
      "COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA " +
          in + " ORDER BY 1, 2, 3");
  add("index",
      "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA " +
          in + " ORDER BY 1, 2, 3, 4");
  add("foreign key",
      "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION, k.COLUMN_NAME, "
      "k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE "
      "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
      "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
      "AND r.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA " +
          in + " ORDER BY 1, 2, 3, 4");
  add("view",
      "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, CHARACTER_SET_CLIENT "
      "FROM information_schema.VIEWS WHERE TABLE_SCHEMA " +
          in + " ORDER BY 1, 2");
  add("routine",
      "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, SQL_MODE, SECURITY_TYPE "
      "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA " +
          in + " ORDER BY 1, 2, 3");
  add("parameter",
      "SELECT SPECIFIC_SCHEMA, SPECIFIC_NAME, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER "
      "FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA " +
          in + " ORDER BY 1, 2, 3");
  return dump;
}

// The views the corpus defines: sql/views/<schema>.<view>.sql.
std::vector<std::pair<std::string, std::string>> CorpusViews() {
  std::vector<std::pair<std::string, std::string>> views;
  for (const auto& entry : fs::directory_iterator(kCorpusDir / "sql" / "views")) {
    std::string stem = entry.path().stem().string();  // cloud.account_view
    auto dot = stem.find('.');
    if (entry.path().extension() == ".sql" && dot != std::string::npos) {
      views.emplace_back(stem.substr(0, dot), stem.substr(dot + 1));
    }
  }
  std::sort(views.begin(), views.end());
  return views;
}

// `failed_once`: steps a test made fail on purpose, then resumed.
void RequireNoFailedStep(const EngineOptions& options, const std::set<std::string>& failed_once = {}) {
  auto log = ReadLog(options);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  REQUIRE_FALSE(log->empty());
  std::map<std::string, int> successes;
  for (const ChangelogEntry& e : *log) {
    CHECK_MESSAGE((e.status == StepStatus::kSuccess || failed_once.count(e.step_id) == 1),
                  e.step_id << " is " << StepStatusName(e.status));
    if (e.status == StepStatus::kSuccess) ++successes[e.step_id];
  }
  CHECK(successes.count("cloudstack.4.0.0.base.create-schema") == 1);
  CHECK(successes.count("cloudstack.4.22.0.0.version") == 1);
  CHECK(successes.count("cloudstack.4.9.0.data.setupRolesAndPermissionsForDynamicChecker") == 1);
  CHECK(successes.count("cloudstack.view.cloud.user_vm_view") == 1);
  CHECK(successes.count("cloudstack.procedure.cloud.idempotent_add_column") == 1);
  // The pre-flight and sanity checks ran and passed (issue 12.2).
  CHECK(successes.count("cloudstack.4.22.0.0.preflight.systemvm-templates") == 1);
  CHECK(successes.count("cloudstack.4.22.0.0.preflight.management-servers-down") == 1);
  for (const char* sanity : {"foreign-keys", "version-rows"}) {
    CHECK_MESSAGE(successes.count(std::string("cloudstack.4.22.0.0.sanity.") + sanity) == 1, sanity);
  }
  CHECK(successes.count("cloudstack.views-selectable") == 1);
}

Result<MigrateReport> MigrateTo(const EngineOptions& options, const char* target) {
  auto report = Migrate(options, PlanRequest{V(target)}, nullptr);
  if (!report.ok()) {
    // Name the failed step: the changelog has it.
    auto log = ReadLog(options);
    if (log.ok()) {
      for (const ChangelogEntry& e : *log) {
        if (e.status != StepStatus::kSuccess) {
          MESSAGE(e.step_id << " failed at statement " << e.statement_index << ": " << e.error);
        }
      }
    }
  }
  return report;
}

// What the engine must do for this bundle (plugins/cloudstack/README.md,
// "What the bundle needs from the engine"), read from the plan of a fresh
// database, which touches nothing. `target` is where the test goes. A
// regression fails the test here, with what went wrong.
void RequireEngineOrder(const char* target) {
  EngineOptions options = CsOptions(test::TestServer::Shared().FreshDatabase("cs_probe"));
  auto report = MakeMigrationPlan(options, PlanRequest{V(target)});
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  const auto& steps = report->plan.steps;  // in run order
  auto first = [&](const std::string& prefix) {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].step->id.rfind(prefix, 0) == 0) return i;
    }
    return steps.size();
  };
  REQUIRE_MESSAGE(first("cloudstack.4.0.0.base.") < steps.size(), "the plan has no base edge");
  REQUIRE_MESSAGE(first("cloudstack.procedure.") > first("cloudstack.4.0.0.base."),
                  "the engine runs kRunBefore repeatables (the stored procedures, in cloud and cloud_usage) "
                  "before the base edge that creates those databases");
  if (V(target) < V("4.22.0.0")) {
    REQUIRE_MESSAGE(first("cloudstack.view.") == steps.size(),
                    "the engine runs the 4.22.0.0 views (kRunAfter repeatables of the 4.22.0.0 plugin) "
                    "on a path that stops at "
                        << target);
  }
}

// The direct run 4.0.0 -> 4.22.0.0 (through the chimp binary when it is
// built, else through the engine facade), checked, and its canonical schema.
// Computed once: the intermediate-targets test compares against it.
// What ids decide after a run (issue 10 item 1): the hypervisor
// capabilities by id, and the AUTO_INCREMENT counter of every table.
std::vector<std::string> Ids() {
  std::vector<std::string> ids =
      Column("SELECT id, hypervisor_type, hypervisor_version FROM cloud.hypervisor_capabilities ORDER BY id");
  for (std::string& counter :
       Column("SELECT TABLE_SCHEMA, TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA IN "
              "('cloud', 'cloud_usage') AND AUTO_INCREMENT IS NOT NULL ORDER BY 1, 2")) {
    ids.push_back(std::move(counter));
  }
  return ids;
}

struct DirectRun {
  std::string changelog;
  std::vector<std::string> schema;
  std::vector<std::string> ids;  // Ids()
};
const DirectRun& Direct() {
  static const DirectRun direct = [] {
    const std::string changelog = FreshRun("cs_direct");
    EngineOptions options = CsOptions(changelog);
#if defined(CHIMP_BINARY)
    ConnectionOptions c = test::TestServer::Shared().Options();
    std::vector<std::string> args = {
        "--socket",           c.socket,  "--database", "cloud", "--plugins", kPluginDir.string(),
        "--changelog-schema", changelog, "migrate",    "--to",  "4.22.0.0"};
    if (!c.user.empty()) {
      args.insert(args.begin(), {"--user", c.user});
    }
    test::CliRun run = test::Chimp(args, c.password);
    INFO("chimp stdout:\n" << run.out.substr(run.out.size() > 4000 ? run.out.size() - 4000 : 0));
    INFO("chimp stderr:\n" << run.err.substr(run.err.size() > 4000 ? run.err.size() - 4000 : 0));
    REQUIRE(run.code == 0);
#else
    auto report = MigrateTo(options, "4.22.0.0");
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
#endif
    RequireNoFailedStep(options);
    CHECK(CurrentVersion(options) == V("4.22.0.0"));
    return DirectRun{changelog, CanonicalSchema(), Ids()};
  }();
  return direct;
}

// The manifest's chain, in apply order: (from, to) of every [[edge]].
std::vector<std::pair<std::string, std::string>> ManifestChain() {
  std::ifstream in(kCorpusDir / "manifest.toml");
  std::vector<std::pair<std::string, std::string>> chain;
  std::string line, section, from;
  while (std::getline(in, line)) {
    if (line.rfind("[[", 0) == 0 || line.rfind("[", 0) == 0) section = line;
    if (section != "[[edge]]") continue;
    auto value = [&](const char* key) -> std::optional<std::string> {
      std::string prefix = std::string(key) + " = \"";
      if (line.rfind(prefix, 0) != 0) return std::nullopt;
      return line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size());
    };
    if (auto f = value("from")) from = *f;
    if (auto t = value("to")) chain.emplace_back(from, *t);
  }
  return chain;
}

TEST_CASE("cloudstack: the bundle's graph runs the manifest's 47 steps in CloudStack's order") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  EngineOptions options = CsOptions("unused");
  auto catalog = LoadCatalog(options);
  REQUIRE_MESSAGE(catalog.ok(), catalog.status().ToString());
  auto path = (*catalog)->graph().ShortestPath(Version::Empty(), V("4.22.0.0"));
  REQUIRE_MESSAGE(path.ok(), path.status().ToString());

  // The version rows the path writes, in order, are CloudStack's steps.
  std::vector<std::string> written;
  for (size_t index : *path) {
    for (const Step& step : (*catalog)->edge(index).steps) {
      const std::string suffix = ".version";
      if (step.id.size() > suffix.size() &&
          step.id.compare(step.id.size() - suffix.size(), suffix.size(), suffix) == 0) {
        written.push_back(step.id.substr(std::string("cloudstack.").size(),
                                         step.id.size() - suffix.size() - std::string("cloudstack.").size()));
      }
    }
  }
  std::vector<std::string> expected;
  for (const auto& [from, to] : ManifestChain()) expected.push_back(to);
  CHECK(expected.size() == 47);
  CHECK(written == expected);  // 4.4.4 right after 4.5.0, as getPath() does
  CHECK(path->size() == 47);   // the base and 46 plugins: 4.4.3 -> 4.4.4 rides with 4.4.2 -> 4.5.0
}

TEST_CASE("cloudstack: a fresh server upgraded to 4.22.0.0 in one migrate, views valid, re-run a no-op") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  RequireEngineOrder("4.22.0.0");
  const DirectRun& direct = Direct();
  CHECK(direct.schema.size() > 1000);

  // Both databases exist.
  auto dbs = Column(
      "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('cloud', 'cloud_usage') "
      "ORDER BY 1");
  CHECK(dbs == std::vector<std::string>{"cloud", "cloud_usage"});

  // Every view of the corpus exists and is valid (selecting from it resolves
  // every table and column it names).
  auto views = CorpusViews();
  CHECK(views.size() == 35);
  auto conn = test::TestServer::Shared().Connect();
  for (const auto& [db, view] : views) {
    auto type =
        conn->Query("SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                    std::vector<Value>{Value::Text(db), Value::Text(view)});
    REQUIRE(type.ok());
    CHECK_MESSAGE((type->rows.size() == 1 && type->rows[0][0].ToString() == "VIEW"), db << "." << view);
    auto select = conn->Query("SELECT * FROM `" + db + "`.`" + view + "` LIMIT 0");
    CHECK_MESSAGE(select.ok(), db << "." << view << ": " << (select.ok() ? "" : select.status().ToString()));
  }

  // The version CloudStack itself reads, written as DatabaseUpgradeChecker
  // writes it: every step Complete.
  auto versions = Column("SELECT COUNT(*), SUM(step = 'Complete') FROM cloud.version");
  CHECK(versions == std::vector<std::string>{"48 | 48"});  // 4.0.0 and the 47 steps (4.4.4 included)

  // A second run is a no-op: nothing runs, the schema is unchanged.
  auto again = MigrateTo(CsOptions(direct.changelog), "4.22.0.0");
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(again->summary.steps_run == 0);
  CHECK(again->summary.reached == V("4.22.0.0"));
  CHECK(CanonicalSchema() == direct.schema);
}

// The first lines where two canonical schemas differ, for the failure text.
std::string Difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  std::string out;
  for (size_t i = 0; i < only_a.size() && i < 10; ++i) out += "  direct only:  " + only_a[i] + "\n";
  for (size_t i = 0; i < only_b.size() && i < 10; ++i) out += "  stepped only: " + only_b[i] + "\n";
  return out;
}

TEST_CASE(
    "cloudstack: stopping at 4.5.0, 4.11.0.0 and 4.16.0.0 gives the schema and the fingerprints of the direct run") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  RequireEngineOrder("4.5.0");
  std::vector<std::string> direct = Direct().schema;
  EngineOptions options = CsOptions(FreshRun("cs_stepped"));
  for (const char* target : {"4.5.0", "4.11.0.0", "4.16.0.0", "4.22.0.0"}) {
    INFO("target " << target);
    if (std::string(target) == "4.22.0.0") {
      // Issue 12.2, the broken case of the sanity checks: a cloud.version
      // row above the bundle's release (a newer CloudStack touched the
      // database) fails the 4.22.0.0 edge's version check, exit 11; removed,
      // the run resumes and the schema is the direct run's.
      test::Exec("INSERT INTO cloud.version (version, updated, step) VALUES ('4.23.0.0', now(), 'Complete')");
      auto broken = MigrateTo(options, target);
      REQUIRE_FALSE(broken.ok());
      CHECK(broken.status().code() == StatusCode::kCheckFailed);
      CHECK_MESSAGE(test::Contains(broken.status().ToString(), "version 4.23.0.0 is above chimp's 4.22.0.0"),
                    broken.status().ToString());
      test::Exec("DELETE FROM cloud.version WHERE version = '4.23.0.0'");
    }
    auto report = MigrateTo(options, target);
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK(report->summary.reached == V(target));
    CHECK(CurrentVersion(options) == V(target));
    // CloudStack's own view of the version agrees.
    auto latest = Column(std::string("SELECT step FROM cloud.version WHERE version = '") + target + "'");
    CHECK(latest == std::vector<std::string>{"Complete"});
  }
  RequireNoFailedStep(options, {"cloudstack.4.22.0.0.sanity.version-rows"});
  std::vector<std::string> stepped = CanonicalSchema();
  std::sort(direct.begin(), direct.end());
  std::sort(stepped.begin(), stepped.end());
  CHECK_MESSAGE(stepped == direct, "the schemas differ:\n" << Difference(direct, stepped));

  // Issue 12.5: both runs recorded the same fingerprint of cloud and of
  // cloud_usage after their last edge, and it is the live schema's.
  auto recorded = [](const std::string& changelog) {
    const std::string table = "`" + changelog + "`.chimp_fingerprints";
    return Column("SELECT schema_name, fingerprint FROM " + table + " WHERE id IN (SELECT MAX(id) FROM " + table +
                  " WHERE target = 'cloud' GROUP BY schema_name) ORDER BY schema_name");
  };
  const std::vector<std::string> direct_fp = recorded(Direct().changelog);
  CHECK(direct_fp.size() == 2);
  CHECK(recorded(options.changelog_schema) == direct_fp);
  auto conn = test::TestServer::Shared().Connect();
  auto live = FingerprintSchemas(*conn, {"cloud", "cloud_usage"});
  REQUIRE_MESSAGE(live.ok(), live.status().ToString());
  std::vector<std::string> live_fp;
  for (const SchemaForm& form : live->schemas) live_fp.push_back(form.schema + " | " + form.fingerprint);
  CHECK(live_fp == direct_fp);
}

// The CLI flags that aim `chimp` at the bundle's `cloud` with `changelog`.
std::vector<std::string> CsFlags(const std::string& changelog) {
  return test::Args({test::TestServerFlags().flags,
                     {"--plugins", kPluginDir.string(), "-d", "cloud", "--changelog-schema", changelog}});
}

// Runs `chimp args` with CHIMP_TEST_CRASH_AT=`point`.
test::CliRun KilledAt(const char* point, const std::vector<std::string>& args) {
  test::CliOptions crash;
  crash.password = test::TestServerFlags().password;
  crash.env = {{"CHIMP_TEST_CRASH_AT", point}};
  return test::RunCli(CHIMP_BINARY, args, crash);
}

// Migrates a fresh `cloud` to `from`, kills `migrate --to to` at `point`,
// then runs `migrate --to to` again and returns that run.
test::CliRun KilledAndResumed(const char* changelog_name, const char* from, const char* to, const char* point) {
  const std::string changelog = FreshRun(changelog_name);
  EngineOptions options = CsOptions(changelog);
  auto before = MigrateTo(options, from);
  REQUIRE_MESSAGE(before.ok(), before.status().ToString());
  const std::vector<std::string> base = CsFlags(changelog);
  test::CliRun killed = KilledAt(point, test::Args({{"migrate", "--to", to}, base}));
  REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
  return test::Chimp(test::Args({{"migrate", "--to", to}, base}), test::TestServerFlags().password);
}

// Issue 10.4: the native setupRolesAndPermissionsForDynamicChecker (edge
// 4.8.1 -> 4.9.0) killed after its first statement (cloud.account ADD
// COLUMN role_id) used to end, on a rerun, with cloud_usage.account.role_id
// missing: exit 0, validate OK. A kill at any of its first statements must
// converge with no operator.
TEST_CASE("cloudstack: a kill inside the native role step converges with both role_id columns") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  for (const char* point : {"after-native-statement:1", "before-native-statement:2", "after-native-statement:2"}) {
    INFO("crash point " << point);
    test::CliRun resumed = KilledAndResumed("cs_native_kill", "4.8.1", "4.9.0", point);
    REQUIRE_MESSAGE(resumed.code == 0, resumed.err);
    CHECK(Column("SELECT TABLE_SCHEMA FROM information_schema.COLUMNS WHERE TABLE_NAME = 'account' AND "
                 "COLUMN_NAME = 'role_id' AND TABLE_SCHEMA IN ('cloud', 'cloud_usage') ORDER BY 1") ==
          std::vector<std::string>{"cloud", "cloud_usage"});
    CHECK(Column("SELECT COUNT(*) FROM cloud.account WHERE role_id IS NULL") == std::vector<std::string>{"0"});
  }
}

// Issue 10.4: cloud_usage.IDEMPOTENT_CHANGE_COLUMN was declared re-runnable
// but is not (its handler covers 1060, a second run raises 1054): a kill
// after the CALL took effect made every later migrate fail with exit 8
// "Unknown column 'id'"; undeclared, it stopped for the operator (exit 9).
// chimp now computes the ALTER the CALL builds and probes its table
// (recovery/routine_ddl.hpp): a kill before or after it converges alone.
TEST_CASE("cloudstack: a kill around cloud_usage.IDEMPOTENT_CHANGE_COLUMN converges with no operator") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  for (const char* point : {"before-statement:39", "after-statement:39"}) {
    INFO("crash point " << point);
    test::CliRun resumed = KilledAndResumed("cs_change_column", "4.16.0.0", "4.16.1.0", point);
    CHECK_MESSAGE(resumed.code == 0, resumed.err);
    CHECK_MESSAGE(!test::Contains(resumed.err, "repair"), resumed.err);
    // What a clean run leaves: the old id renamed, a new AUTO_INCREMENT id.
    for (const char* table : {"usage_ip_address", "usage_load_balancer_policy", "usage_port_forwarding"}) {
      INFO(table);
      const std::vector<std::string> shown = Column(std::string("SHOW CREATE TABLE cloud_usage.") + table);
      const std::string create = shown.empty() ? std::string() : shown[0];
      CHECK(test::Contains(create, "`id` bigint(20) NOT NULL AUTO_INCREMENT"));
      CHECK(test::Contains(create, "PRIMARY KEY (`id`)"));
    }
    CHECK(Column("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'cloud_usage' AND "
                 "TABLE_NAME = 'usage_ip_address' AND COLUMN_NAME = 'ip_id'") == std::vector<std::string>{"1"});
  }
}

std::vector<std::string> Sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Issue 10.1: InnoDB keeps the AUTO_INCREMENT values a killed transaction
// took; a later explicit id (schema-461to470.sql: INSERT IGNORE ... VALUES
// (25, ..., 'VMware', '6.0', ...)) then belonged to another row and the
// VMware 6.0 capability was silently lost (exit 0, validate OK). The resumed
// run must give the direct run's ids and counters.
TEST_CASE("cloudstack: a kill before a group's COMMIT resumes with the direct run's ids") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  const DirectRun& direct = Direct();
  const std::string changelog = FreshRun("cs_counters");
  auto before = MigrateTo(CsOptions(changelog), "4.2.1");
  REQUIRE_MESSAGE(before.ok(), before.status().ToString());
  const std::string password = test::TestServerFlags().password;
  const std::vector<std::string> base = CsFlags(changelog);
  test::CliRun killed = KilledAt("before-commit:12", test::Args({{"migrate", "--to", "4.22.0.0"}, base}));
  REQUIRE_MESSAGE(killed.signal == SIGKILL, killed.err);
  test::CliRun resumed = test::Chimp(test::Args({{"migrate", "--to", "4.22.0.0"}, base}), password);
  REQUIRE_MESSAGE(resumed.code == 0, resumed.err);
  CHECK(test::Chimp(test::Args({{"validate"}, base}), password).code == 0);
  CHECK(Column("SELECT COUNT(*) FROM cloud.hypervisor_capabilities WHERE hypervisor_type = 'VMware' AND "
               "hypervisor_version = '6.0'") == std::vector<std::string>{"1"});
  std::vector<std::string> ids = Ids();
  CHECK_MESSAGE(ids == direct.ids, "the ids differ:\n" << Difference(Sorted(direct.ids), Sorted(ids)));
}

// Issue 12.2: CloudStack's own pre-upgrade refusals, as the bundle's
// pre-flight checks (plugins/cloudstack/README.md, "Checks"). A database at
// 4.1.0 (one edge from the base, cheap) is refused the 4.1.0 -> 4.2.0 edge,
// exit 11 with CloudStack's explanation, nothing of the edge written; once
// the operator did what the message says, the same migrate passes.

// A database migrated to 4.1.0, and its changelog schema.
std::string At410(const char* name) {
  const std::string changelog = FreshRun(name);
  auto report = MigrateTo(CsOptions(changelog), "4.1.0");
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  return changelog;
}

// The changelog rows of the 4.1.0 -> 4.2.0 edge's steps that are not its
// pre-flight checks.
size_t EdgeRows(const EngineOptions& options) {
  auto log = ReadLog(options);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  size_t rows = 0;
  for (const ChangelogEntry& e : *log) {
    if (e.step_id.rfind("cloudstack.4.2.0.", 0) == 0 && e.step_id.find(".preflight.") == std::string::npos) ++rows;
  }
  return rows;
}

// The run was refused before it wrote anything: the version (chimp's and
// CloudStack's) is 4.1.0, no step of the 4.2.0 edge has a row, and the
// changelog has the rows it had (the stored procedures, kRunBefore
// repeatables, did not run either: the pre-flight checks come first).
void RequireNothingWritten(const EngineOptions& options, size_t rows_before) {
  CHECK(CurrentVersion(options) == V("4.1.0"));
  CHECK(Column("SELECT COUNT(*) FROM cloud.version WHERE version = '4.2.0'") == std::vector<std::string>{"0"});
  CHECK_MESSAGE(EdgeRows(options) == 0, "the refused run wrote rows of the 4.2.0 edge's steps");
  auto log = ReadLog(options);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  CHECK_MESSAGE(log->size() == rows_before, "the refused run wrote changelog rows");
}

// The changelog's rows now.
size_t LogRows(const EngineOptions& options) {
  auto log = ReadLog(options);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  return log->size();
}

TEST_CASE(
    "cloudstack: a KVM cluster without the 4.2 system VM template is refused the 4.2.0 edge until it is registered") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  const std::string changelog = At410("cs_templates");
  EngineOptions options = CsOptions(changelog);
  {
    // A KVM cluster; its zone and pod do not matter here (CloudStack reads
    // only cluster.hypervisor_type), so the keys are not checked.
    auto conn = test::TestServer::Shared().Connect();
    REQUIRE(conn->Execute("SET SESSION foreign_key_checks = 0").ok());
    auto r = conn->Execute(
        "INSERT INTO cloud.cluster (name, guid, pod_id, data_center_id, hypervisor_type) "
        "VALUES ('kvm-cluster-1', 'guid-kvm-1', 1, 1, 'KVM')");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  }
  const std::string password = test::TestServerFlags().password;
  const std::vector<std::string> base = CsFlags(changelog);
  const size_t rows_before = LogRows(options);
  test::CliRun refused = test::Chimp(test::Args({{"migrate", "--to", "4.2.0"}, base}), password);
  CHECK_MESSAGE(refused.code == 11, refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "4.2.0 KVM SystemVm template not found. Cannot upgrade system Vms"),
                refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "'systemvm-kvm-4.2'"), refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "kvm-cluster-1"), refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "cloudstack.4.2.0.preflight.systemvm-templates"), refused.err);
  RequireNothingWritten(options, rows_before);

  // A removed template does not count. (Ids far above the seeds: the 4.2.0
  // upgrade file inserts templates with explicit ids.)
  test::Exec(
      "INSERT INTO cloud.vm_template (id, unique_name, name, public, created, type, hvm, bits, account_id, url, "
      "enable_password, display_text, format, guest_os_id, featured, cross_zones, hypervisor_type, removed) "
      "SELECT 1000, 'routing-kvm-old', 'systemvm-kvm-4.2', 0, now(), 'SYSTEM', 0, 64, 1, "
      "'http://download.cloudstack.org/systemvm/4.2/systemvmtemplate-kvm.qcow2.bz2', 0, 'removed', 'QCOW2', id, 0, 1, "
      "'KVM', now() FROM cloud.guest_os ORDER BY id LIMIT 1");
  test::CliRun still = test::Chimp(test::Args({{"migrate", "--to", "4.2.0"}, base}), password);
  CHECK_MESSAGE(still.code == 11, still.err);

  // Registered as CloudStack's upgrade notes say: the run passes.
  test::Exec(
      "INSERT INTO cloud.vm_template (id, unique_name, name, public, created, type, hvm, bits, account_id, url, "
      "enable_password, display_text, format, guest_os_id, featured, cross_zones, hypervisor_type) "
      "SELECT 1001, 'routing-kvm-4.2', 'systemvm-kvm-4.2', 0, now(), 'SYSTEM', 0, 64, 1, "
      "'http://download.cloudstack.org/systemvm/4.2/systemvmtemplate-kvm.qcow2.bz2', 0, 'systemvm-kvm-4.2', 'QCOW2', "
      "id, 0, 1, 'KVM' FROM cloud.guest_os ORDER BY id LIMIT 1");
  // Two edges further, 4.3.0's template is missing: refused before the
  // first write of the whole path, the 4.2.0 edge included.
  test::CliRun further = test::Chimp(test::Args({{"migrate", "--to", "4.3.0"}, base}), password);
  CHECK_MESSAGE(further.code == 11, further.err);
  CHECK_MESSAGE(test::Contains(further.err, "cloudstack.4.3.0.preflight.systemvm-templates"), further.err);
  CHECK_MESSAGE(!test::Contains(further.err, "cloudstack.4.2.0.preflight.systemvm-templates"), further.err);
  RequireNothingWritten(options, rows_before);
  test::CliRun passed = test::Chimp(test::Args({{"migrate", "--to", "4.2.0"}, base}), password);
  CHECK_MESSAGE(passed.code == 0, passed.err);
  CHECK(CurrentVersion(options) == V("4.2.0"));
}

TEST_CASE("cloudstack: another management server Up refuses the upgrade until it is down") {
  if (std::string why = SkipReason(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  const std::string changelog = At410("cs_mshost");
  EngineOptions options = CsOptions(changelog);
  test::Exec(
      "INSERT INTO cloud.mshost (msid, runid, name, state, version, service_ip, service_port, last_update) VALUES "
      "(240, 1, 'ms-2.example', 'Up', '4.1.0', '192.0.2.2', 9090, now()), "
      "(241, 1, 'ms-old.example', 'Up', '4.0.0', '192.0.2.3', 9090, now())");
  test::Exec("UPDATE cloud.mshost SET removed = now() WHERE msid = 241");  // removed: does not count
  const std::string password = test::TestServerFlags().password;
  const std::vector<std::string> base = CsFlags(changelog);
  const size_t rows_before = LogRows(options);
  test::CliRun refused = test::Chimp(test::Args({{"migrate", "--to", "4.2.0"}, base}), password);
  CHECK_MESSAGE(refused.code == 11, refused.err);
  CHECK_MESSAGE(test::Contains(refused.err,
                               "Database upgrade is required but the management server is running in a clustered "
                               "environment."),
                refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "'ms-2.example' (msid 240"), refused.err);
  CHECK_MESSAGE(!test::Contains(refused.err, "ms-old.example"), refused.err);
  CHECK_MESSAGE(test::Contains(refused.err, "cloudstack.4.2.0.preflight.management-servers-down"), refused.err);
  RequireNothingWritten(options, rows_before);

  test::Exec("UPDATE cloud.mshost SET state = 'Down' WHERE msid = 240");
  test::CliRun passed = test::Chimp(test::Args({{"migrate", "--to", "4.2.0"}, base}), password);
  CHECK_MESSAGE(passed.code == 0, passed.err);
  CHECK(CurrentVersion(options) == V("4.2.0"));
}

#else  // no bundle

TEST_CASE("cloudstack: the bundle") {
  MESSAGE(
      "skipped: the CloudStack bundle is not configured (no corpus at ../shared/corpus/cloudstack, or "
      "CHIMP_CLOUDSTACK_CORPUS unset, or plugin.hpp lacks the ABI 1.1 SDK)");
}

#endif

}  // namespace
}  // namespace chimp
