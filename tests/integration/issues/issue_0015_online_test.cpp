// Issue 15, item 3: an ALTER TABLE marked online runs through
// pt-online-schema-change, with writers kept, crash safety, a plan-time
// error without the tool, the tool's own failure, and no password in the
// process list. Skipped when the tool is not installed.
#include <dirent.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "chimp/connection.hpp"
#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

bool HaveTool() { return ::access("/usr/bin/pt-online-schema-change", X_OK) == 0; }

std::string Scalar(Connection& conn, const std::string& sql) {
  auto value = conn.QueryScalar(sql);
  REQUIRE_MESSAGE(value.ok(), value.status().ToString());
  return value->has_value() ? (*value)->ToString() : "(no row)";
}

std::string ReadProc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

// Watches the process list for pt-online-schema-change children: how many
// were seen, and whether any cmdline or environment held `secret`.
struct ToolWatch {
  std::string secret;
  int seen = 0;
  bool leaked = false;
  std::string cmdline;             // the last one seen
  std::set<std::string> cmdlines;  // every one seen

  void Scan() {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return;
    while (dirent* e = ::readdir(proc)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const std::string dir = std::string("/proc/") + e->d_name;
      const std::string cmd = ReadProc(dir + "/cmdline");
      if (cmd.find("pt-online-schema-change") == std::string::npos || cmd.find("--alter") == std::string::npos) {
        continue;
      }
      ++seen;
      cmdline = cmd;
      cmdlines.insert(cmd);
      if (!secret.empty() &&
          (cmd.find(secret) != std::string::npos || ReadProc(dir + "/environ").find(secret) != std::string::npos)) {
        leaked = true;
      }
    }
    ::closedir(proc);
  }
};

bool NoToolLeft() {
  for (int i = 0; i < 250; ++i) {
    ToolWatch w;
    w.Scan();
    if (w.seen == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct Target {
  std::string db;
  std::string log;
  test::ServerFlags server = test::TestServerFlags();

  explicit Target(const std::string& prefix)
      : db(test::TestServer::Shared().FreshDatabase(prefix)), log(db + "_chimp") {}

  std::vector<std::string> Migrate(const std::string& fixture, const std::string& to,
                                   std::vector<std::string> extra = {}) const {
    auto args = test::Args({{"migrate", "--to", to},
                            server.flags,
                            {"-d", db, "--changelog-schema", log, "--plugins", test::FixtureDir(fixture)}});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  test::CliRun Run(const std::vector<std::string>& args, test::CliOptions options = {}) const {
    if (options.password.empty()) options.password = server.password;
    return test::RunCli(CHIMP_BINARY, args, options);
  }
  std::string Q(const std::string& table) const {
    return Connection::QuoteIdentifier(db) + "." + Connection::QuoteIdentifier(table);
  }
  std::string Changelog() const { return Connection::QuoteIdentifier(log) + ".chimp_changelog"; }
};

// What the tool may leave: its shadow and old tables and its triggers.
std::string Leftovers(Connection& conn, const std::string& db) {
  return Scalar(conn,
                "SELECT CONCAT(COUNT(*), ':', IFNULL(GROUP_CONCAT(TABLE_NAME), '')) FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = '" +
                    db + "' AND TABLE_NAME LIKE '\\_%'") +
         " " +
         Scalar(conn, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '" + db +
                          "' AND TRIGGER_NAME LIKE 'pt_osc%'");
}

std::string CreateTable(Connection& conn, const std::string& table) {
  auto rows = conn.Query("SHOW CREATE TABLE " + table);
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  std::string text = rows->rows[0][1].ToString();
  const std::string key = " AUTO_INCREMENT=";
  if (size_t at = text.find(key); at != std::string::npos) {
    size_t end = at + key.size();
    while (end < text.size() && isdigit(static_cast<unsigned char>(text[end]))) ++end;
    text.erase(at, end - at);
  }
  return text;
}

// Small chunks, so that the 20,000-row copy takes a few seconds.
const std::vector<std::string> kSlow = {"--online-chunk-size", "50", "--online-chunk-time", "0.001"};

TEST_CASE("issue 15: an online ALTER runs through pt-online-schema-change and leaves the schema a plain ALTER does") {
  if (!HaveTool()) return;
  Target t("oa_schema");
  auto conn = test::TestServer::Shared().Connect();
  ToolWatch watch;
  test::CliOptions o;
  o.kill_when = [&watch] {
    watch.Scan();
    return false;
  };
  test::CliRun run = t.Run(t.Migrate("online_alter", "2.0.0", {"-v"}), o);
  REQUIRE_MESSAGE(run.code == 0, (run.err + run.out));
  CHECK(watch.seen > 0);  // the ALTER went through the tool, not the server alone
  std::string all;
  for (const std::string& c : watch.cmdlines) all += c + "\n";
  CHECK(test::Contains(all, "--alter=ADD COLUMN extra INT NOT NULL DEFAULT 7, ADD INDEX idx_note (note)"));
  CHECK(test::Contains(all, "--alter=ADD COLUMN `tag` VARCHAR(8) DEFAULT 't'"));
  CHECK(test::Contains(run.out, "online"));
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items")) == "20000");
  CHECK(Leftovers(*conn, t.db) == "0: 0");

  // The same changes as plain ALTERs, on a twin table.
  const std::string twin = test::TestServer::Shared().FreshDatabase("oa_plain");
  const std::string tq = Connection::QuoteIdentifier(twin) + ".oa_items";
  for (const std::string& sql :
       {"CREATE DATABASE IF NOT EXISTS " + Connection::QuoteIdentifier(twin),
        "CREATE TABLE " + tq +
            " (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL, note VARCHAR(40) NOT NULL DEFAULT '')",
        "ALTER TABLE " + tq + " ADD COLUMN extra INT NOT NULL DEFAULT 7, ADD INDEX idx_note (note)",
        "ALTER TABLE " + tq + " ADD COLUMN `tag` VARCHAR(8) DEFAULT 't'"}) {
    REQUIRE_MESSAGE(conn->Execute(sql).ok(), sql);
  }
  CHECK(CreateTable(*conn, t.Q("oa_items")) == CreateTable(*conn, tq));
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Changelog() +
                          " WHERE step_id IN ('online_alter.add', 'online_alter.tag') AND status = 'success'") == "2");
}

TEST_CASE("issue 15: writes made while the online ALTER copies are all kept") {
  if (!HaveTool()) return;
  Target t("oa_writes");
  REQUIRE(t.Run(t.Migrate("online_alter", "1.0.0")).code == 0);
  std::atomic<bool> stop{false};
  std::atomic<int> inserted{0}, updated{0}, during_tool{0};
  std::atomic<bool> tool_running{false};
  std::string writer_error;
  std::thread writer([&] {
    auto w = test::TestServer::Shared().Connect(t.db);
    int i = 0;
    while (!stop.load()) {
      ++i;
      auto a = w->Execute("INSERT INTO oa_items (v, note) VALUES (" + std::to_string(100000 + i) + ", 'writer')");
      auto b =
          w->Execute("UPDATE oa_items SET v = -v WHERE id = " + std::to_string(1 + (i * 37) % 20000) + " AND v > 0");
      if (!a.ok() || !b.ok()) {
        writer_error = (!a.ok() ? a.status() : b.status()).ToString();
        break;
      }
      ++inserted;
      if (b->affected_rows > 0) ++updated;
      if (tool_running.load()) ++during_tool;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  ToolWatch watch;
  test::CliOptions o;
  o.kill_when = [&] {
    watch.seen = 0;
    watch.Scan();
    tool_running = watch.seen > 0;
    return false;
  };
  test::CliRun run = t.Run(t.Migrate("online_alter", "2.0.0", kSlow), o);
  stop = true;
  writer.join();
  REQUIRE_MESSAGE(run.code == 0, run.err);
  CHECK(writer_error.empty());
  CHECK(during_tool.load() > 20);  // the writer was not blocked while the tool ran
  auto conn = test::TestServer::Shared().Connect();
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items") + " WHERE note = 'writer'") ==
        std::to_string(inserted.load()));
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items") + " WHERE v < 0") == std::to_string(updated.load()));
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items")) == std::to_string(20000 + inserted.load()));
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items") + " WHERE extra = 7 AND tag = 't'") ==
        std::to_string(20000 + inserted.load()));
  CHECK(Leftovers(*conn, t.db) == "0: 0");
}

TEST_CASE("issue 15: chimp killed while the tool copies: the rerun drops the shadow table and triggers and converges") {
  if (!HaveTool()) return;
  Target t("oa_kill");
  REQUIRE(t.Run(t.Migrate("online_alter", "1.0.0")).code == 0);
  auto conn = test::TestServer::Shared().Connect();
  // 500,000 rows: the tool reports its copy once a second, so the first
  // step's copy must outlast a second on an idle machine too, or the crash
  // point fires in the second step's copy.
  auto grown = conn->Execute("INSERT INTO " + t.Q("oa_items") + " (v, note) SELECT seq, CONCAT('n', seq) FROM `" +
                             t.db + "`.seq_20001_to_500000");
  REQUIRE_MESSAGE(grown.ok(), grown.status().message());
  const std::string before = CreateTable(*conn, t.Q("oa_items"));
  // Small chunks from the config file this time ([online]).
  const std::string config = "/tmp/chimp_oa_kill_" + std::to_string(::getpid()) + ".toml";
  {
    std::ofstream out(config);
    out << "[online]\nchunk_size = 50\nchunk_time = 0.001\n";
  }
  test::CliOptions crash;
  crash.env = {{"CHIMP_TEST_CRASH_AT", "online-copy:1"}};
  test::CliRun killed = t.Run(t.Migrate("online_alter", "2.0.0", {"--config", config}), crash);
  std::remove(config.c_str());
  REQUIRE(killed.signal == SIGKILL);
  CHECK(NoToolLeft());  // the tool died with chimp
  // Killed mid-copy: the tool's shadow table and triggers are there, the
  // table is as it was, and the changelog names the step in flight.
  CHECK(Leftovers(*conn, t.db) == "1:_oa_items_new 3");
  CHECK(CreateTable(*conn, t.Q("oa_items")) == before);
  CHECK(Scalar(*conn, "SELECT CONCAT(status, ' ', LEFT(pending_fingerprint, 7)) FROM " + t.Changelog() +
                          " WHERE step_id = 'online_alter.add'") == "running sha256:");

  test::CliRun rerun = t.Run(t.Migrate("online_alter", "2.0.0"));
  REQUIRE_MESSAGE(rerun.code == 0, rerun.err);
  CHECK(Leftovers(*conn, t.db) == "0: 0");
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Q("oa_items") + " WHERE extra = 7") == "500000");
  // The changelog records what the rerun found and dropped.
  const std::string warnings = Scalar(
      *conn, "SELECT warnings FROM " + t.Changelog() + " WHERE step_id = 'online_alter.add' AND status = 'success'");
  CHECK_MESSAGE(test::Contains(warnings, "trigger pt_osc_" + t.db + "_oa_items_del"), warnings);
  CHECK(test::Contains(warnings, "table _oa_items_new"));
  CHECK(test::Contains(warnings, "not taken effect: running it again"));
}

TEST_CASE("issue 15: chimp killed after the tool swapped the tables: the rerun records the step done without a copy") {
  if (!HaveTool()) return;
  Target t("oa_swapped");
  REQUIRE(t.Run(t.Migrate("online_alter", "1.0.0")).code == 0);
  test::CliOptions crash;
  crash.env = {{"CHIMP_TEST_CRASH_AT", "online-done:1"}};
  REQUIRE(t.Run(t.Migrate("online_alter", "2.0.0"), crash).signal == SIGKILL);
  auto conn = test::TestServer::Shared().Connect();
  CHECK(Scalar(*conn, "SELECT status FROM " + t.Changelog() + " WHERE step_id = 'online_alter.add'") == "running");
  ToolWatch watch;
  test::CliOptions o;
  o.kill_when = [&watch] {
    watch.Scan();
    return false;
  };
  test::CliRun rerun = t.Run(t.Migrate("online_alter", "2.0.0"), o);
  REQUIRE_MESSAGE(rerun.code == 0, rerun.err);
  CHECK(Leftovers(*conn, t.db) == "0: 0");
  const std::string warnings = Scalar(
      *conn, "SELECT warnings FROM " + t.Changelog() + " WHERE step_id = 'online_alter.add' AND status = 'success'");
  CHECK(test::Contains(warnings, "had taken effect"));
  std::string all;
  for (const std::string& c : watch.cmdlines) all += c + "\n";
  CHECK(test::Contains(all, "--alter=ADD COLUMN `tag`"));  // the next step ran
  CHECK_FALSE(test::Contains(all, "ADD INDEX idx_note"));  // the swapped one not again
}

TEST_CASE("issue 15: without pt-online-schema-change on the PATH, plan and migrate fail before anything runs") {
  Target t("oa_notool");
  REQUIRE(t.Run(t.Migrate("online_alter", "1.0.0")).code == 0);
  test::CliOptions no_path;
  no_path.env = {{"PATH", "/nonexistent"}};
  auto plan_args =
      test::Args({{"plan", "--to", "2.0.0"},
                  t.server.flags,
                  {"-d", t.db, "--changelog-schema", t.log, "--plugins", test::FixtureDir("online_alter")}});
  for (const auto& args : {plan_args, t.Migrate("online_alter", "2.0.0")}) {
    test::CliRun run = t.Run(args, no_path);
    CHECK(run.code == 9);
    CHECK_MESSAGE(test::Contains(run.err, "step 'online_alter.add'"), run.err);
    CHECK(test::Contains(run.err, "is an online ALTER TABLE, run through pt-online-schema-change"));
    CHECK(test::Contains(run.err, "apt-get install percona-toolkit"));
  }
  auto conn = test::TestServer::Shared().Connect();
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM " + t.Changelog() + " WHERE step_id LIKE 'online_alter.add'") == "0");
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + t.db +
                          "' AND COLUMN_NAME = 'extra'") == "0");
}

TEST_CASE("issue 15: a table the tool refuses (no primary key) fails the step with the tool's message") {
  if (!HaveTool()) return;
  Target t("oa_nopk");
  test::CliRun run = t.Run(t.Migrate("online_nopk", "2.0.0"));
  CHECK(run.code == 8);
  CHECK_MESSAGE(test::Contains(run.err, "pt-online-schema-change exited with"), run.err);
  CHECK(test::Contains(run.err, "PRIMARY KEY"));
  auto conn = test::TestServer::Shared().Connect();
  CHECK(Leftovers(*conn, t.db) == "0: 0");
  CHECK(Scalar(*conn, "SELECT status FROM " + t.Changelog() + " WHERE step_id = 'online_nopk.add'") == "failed");
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + t.db +
                          "' AND COLUMN_NAME = 'extra'") == "0");
}

TEST_CASE("issue 15: kOnline on a step that is not one ALTER TABLE is refused when the plugin loads") {
  Target t("oa_bad");
  test::CliRun run = t.Run(t.Migrate("online_bad", "1.0.0"));
  CHECK(run.code == 3);
  CHECK_MESSAGE(test::Contains(run.err,
                               "'online_bad.two': CHIMP_STEP_ONLINE (chimp::sdk::kOnline) needs a script of "
                               "one ALTER TABLE statement; this one holds 2 statements"),
                run.err);
}

TEST_CASE("issue 15: the password reaches the tool in a memfd, never its command line or environment") {
  if (!HaveTool()) return;
  Target t("oa_secret");
  const std::string secret = "Oa-s3cret-" + std::to_string(::getpid());
  auto conn = test::TestServer::Shared().Connect();
  REQUIRE(conn->Execute("CREATE USER IF NOT EXISTS 'oa_pw'@'localhost' IDENTIFIED BY '" + secret + "'").ok());
  REQUIRE(conn->Execute("ALTER USER 'oa_pw'@'localhost' IDENTIFIED BY '" + secret + "'").ok());
  REQUIRE(conn->Execute("GRANT ALL ON *.* TO 'oa_pw'@'localhost'").ok());
  std::vector<std::string> args = {"migrate",
                                   "--to",
                                   "2.0.0",
                                   "--socket",
                                   test::TestServer::Shared().socket(),
                                   "--user",
                                   "oa_pw",
                                   "-d",
                                   t.db,
                                   "--changelog-schema",
                                   t.log,
                                   "--plugins",
                                   test::FixtureDir("online_alter")};
  args.insert(args.end(), kSlow.begin(), kSlow.end());
  ToolWatch watch;
  watch.secret = secret;
  test::CliOptions o;
  o.password = secret;
  o.kill_when = [&watch] {
    watch.Scan();
    return false;
  };
  test::CliRun run = test::RunCli(CHIMP_BINARY, args, o);
  REQUIRE_MESSAGE(run.code == 0, run.err);
  CHECK(watch.seen > 10);
  CHECK(test::Contains(watch.cmdline, "F=/dev/fd/"));
  CHECK_FALSE(watch.leaked);
  CHECK_FALSE(test::Contains(run.err + run.out, secret));
  (void)conn->Execute("DROP USER 'oa_pw'@'localhost'");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
