#include "support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "support/mariadb_server.hpp"

namespace chimp::test {

std::string FixtureDir(const std::string& name) { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name; }

EngineOptions OptionsFor(const std::string& database, const std::string& plugin_dir) {
  EngineOptions options;
  options.connection = TestServer::Shared().Options();
  options.database = database;
  options.plugin_dirs = {plugin_dir};
  options.changelog_schema = database + "_chimp";
  options.lock_timeout = std::chrono::seconds(5);
  return options;
}

EngineOptions FixtureOptions(const std::string& database, const std::string& fixture) {
  return OptionsFor(database, FixtureDir(fixture));
}

EngineOptions SampleOptions(const std::string& database) { return OptionsFor(database, CHIMP_SAMPLE_MIGRATIONS_DIR); }

EngineOptions FreshSampleOptions(const std::string& prefix) {
  return SampleOptions(TestServer::Shared().FreshDatabase(prefix));
}

EngineOptions FreshFixtureOptions(const std::string& prefix, const std::string& fixture) {
  return FixtureOptions(TestServer::Shared().FreshDatabase(prefix), fixture);
}

Version V(const char* text) { return Version::Parse(text, "test").value(); }

Version CurrentVersion(const EngineOptions& options) {
  auto status = GetStatus(options);
  REQUIRE_MESSAGE(status.ok(), status.status().ToString());
  return status->state.version;
}

std::vector<ChangelogEntry> RowsOf(const EngineOptions& options, const std::string& step_id) {
  auto log = ReadLog(options);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  std::vector<ChangelogEntry> rows;
  for (const ChangelogEntry& e : *log) {
    if (e.step_id == step_id) rows.push_back(e);
  }
  return rows;
}

void Exec(const std::string& sql) {
  auto conn = TestServer::Shared().Connect();
  auto r = conn->Execute(sql);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
}

void UseNewAccount(EngineOptions* options, const std::string& user, const std::string& password) {
  auto conn = TestServer::Shared().Connect();
  DropAccount(user);
  const std::string account = conn->QuoteString(user) + "@'localhost'";
  Exec("CREATE USER " + account + " IDENTIFIED BY " + conn->QuoteString(password));
  Exec("GRANT ALL ON *.* TO " + account);
  options->connection.user = user;
  options->connection.password = password;
}

void DropAccount(const std::string& user) {
  auto conn = TestServer::Shared().Connect();
  Exec("DROP USER IF EXISTS " + conn->QuoteString(user) + "@'localhost'");
}

std::vector<std::vector<std::string>> Rows(const std::string& database, const std::string& sql) {
  auto conn = TestServer::Shared().Connect(database);
  auto result = conn->Query(sql);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  std::vector<std::vector<std::string>> out;
  for (const Row& row : result->rows) {
    std::vector<std::string> cells;
    for (const Value& v : row) cells.push_back(v.is_null() ? "NULL" : v.ToString());
    out.push_back(cells);
  }
  return out;
}

std::string Scalar(const std::string& database, const std::string& sql) {
  auto rows = Rows(database, sql);
  return rows.empty() || rows[0].empty() ? "(no row)" : rows[0][0];
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<DyingHolder> DyingHolder::Start(const TakeFn& take) {
  int locked[2];
  int go[2];
  REQUIRE(pipe(locked) == 0);
  REQUIRE(pipe(go) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(locked[0]);
    close(go[1]);
    auto conn = Connection::Open(TestServer::Shared().Options());
    if (!conn.ok()) _exit(2);
    std::shared_ptr<void> held = take(**conn);
    if (held == nullptr) _exit(3);
    const uint64_t id = (*conn)->ThreadId();
    if (write(locked[1], &id, sizeof(id)) != sizeof(id)) _exit(4);
    char c;
    ssize_t ignored = read(go[0], &c, 1);  // until the parent closes `go`
    (void)ignored;
    _exit(0);  // dies holding the lock: no destructor, no release
  }
  close(locked[1]);
  close(go[0]);
  std::unique_ptr<DyingHolder> holder(new DyingHolder());
  holder->pid_ = child;
  holder->go_fd_ = go[1];
  const ssize_t n = read(locked[0], &holder->connection_id_, sizeof(holder->connection_id_));
  close(locked[0]);
  REQUIRE_MESSAGE(n == static_cast<ssize_t>(sizeof(holder->connection_id_)),
                  "the holder process did not take the lock");
  return holder;
}

void DyingHolder::Die() {
  if (pid_ < 0) return;
  close(go_fd_);  // the child exits
  go_fd_ = -1;
  int status = 0;
  const pid_t waited = waitpid(pid_, &status, 0);
  pid_ = -1;
  REQUIRE(waited > 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

DyingHolder::~DyingHolder() {
  if (go_fd_ >= 0) close(go_fd_);
  if (pid_ > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

}  // namespace chimp::test
