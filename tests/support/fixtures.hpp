// Fixture helpers the integration tests share: engine options for the shared
// test server, reading the changelog and the server back, and a child process
// that takes a lock and dies holding it. Test support, not a core API.
// Failures end the calling test case (doctest REQUIRE). [main-thread]
#ifndef CHIMP_TESTS_SUPPORT_FIXTURES_HPP_
#define CHIMP_TESTS_SUPPORT_FIXTURES_HPP_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "chimp/engine.hpp"
#include "chimp/version.hpp"

namespace chimp::test {

// The directory of the fixture plugin `name` (CHIMP_TEST_PLUGIN_DIR/name).
std::string FixtureDir(const std::string& name);

// EngineOptions on the shared test server: `database`, the changelog in
// "<database>_chimp", the plugins of `plugin_dir`, a 5 s lock timeout.
EngineOptions OptionsFor(const std::string& database, const std::string& plugin_dir);
// OptionsFor(database, FixtureDir(fixture)).
EngineOptions FixtureOptions(const std::string& database, const std::string& fixture);
// OptionsFor(database, the sample migrations of migrations/).
EngineOptions SampleOptions(const std::string& database);
// SampleOptions and FixtureOptions on a fresh database named after `prefix`
// (TestServer::FreshDatabase).
EngineOptions FreshSampleOptions(const std::string& prefix);
EngineOptions FreshFixtureOptions(const std::string& prefix, const std::string& fixture);

// `text` as a version. REQUIRES: it is one.
Version V(const char* text);

// The version the changelog of `options` records.
Version CurrentVersion(const EngineOptions& options);
// The changelog rows of step `step_id`, oldest first.
std::vector<ChangelogEntry> RowsOf(const EngineOptions& options, const std::string& step_id);

// Runs `sql` on a new connection to the shared server (no default database).
void Exec(const std::string& sql);
// The account '<user>'@'localhost' with `password` and ALL privileges, made
// afresh, and `options` switched to it: a password with quotes and
// backslashes proves what passes it on (the dump's and restore's option
// files). DropAccount(user) removes it.
void UseNewAccount(EngineOptions* options, const std::string& user, const std::string& password);
void DropAccount(const std::string& user);
// Every row of `sql` run in `database`, each cell as text, NULL as "NULL".
std::vector<std::vector<std::string>> Rows(const std::string& database, const std::string& sql);
// The first cell of Rows(database, sql), "(no row)" when there is none.
std::string Scalar(const std::string& database, const std::string& sql);

// The bytes of the file at `path`; "" when it cannot be read.
std::string Slurp(const std::string& path);

// A child process that takes a lock on its own connection to the shared
// server and dies holding it, with no destructor and no release: what a
// crashed run leaves. Start() returns once the child holds the lock.
class DyingHolder {
 public:
  // Takes the lock on `conn` and returns what keeps it held; nullptr when it
  // could not be taken. Runs in the child.
  using TakeFn = std::function<std::shared_ptr<void>(Connection& conn)>;

  // Forks the child and waits until `take` succeeded there. REQUIRE fails
  // when the child cannot connect or take the lock.
  static std::unique_ptr<DyingHolder> Start(const TakeFn& take);
  ~DyingHolder();
  DyingHolder(const DyingHolder&) = delete;
  DyingHolder& operator=(const DyingHolder&) = delete;

  pid_t pid() const { return pid_; }
  // The server's id of the child's connection.
  uint64_t connection_id() const { return connection_id_; }

  // Lets the child exit, still holding the lock, and waits for it; CHECKs
  // that it exited with status 0.
  void Die();

 private:
  DyingHolder() = default;
  pid_t pid_ = -1;
  int go_fd_ = -1;  // closing it lets the child exit
  uint64_t connection_id_ = 0;
};

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_FIXTURES_HPP_
