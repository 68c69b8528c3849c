// What the tests that drive the chimp binary against the shared test server
// share: a fresh target database with its changelog schema, a run of chimp
// with the server's flags, and a scratch directory removed at the end.
// Test support, not a core API. [main-thread]
#ifndef CHIMP_TESTS_SUPPORT_CLI_TARGET_HPP_
#define CHIMP_TESTS_SUPPORT_CLI_TARGET_HPP_

#include <filesystem>
#include <string>
#include <vector>

#include "support/chimp_cli.hpp"

namespace chimp::test {

// A fresh database named after `prefix` (TestServer::FreshDatabase) and its
// changelog schema "<db>_chimp", dropped if a previous run left it.
struct Target {
  std::string db;
  std::string changelog;
  explicit Target(const std::string& prefix);
  // {command, -d db, --changelog-schema changelog}.
  std::vector<std::string> Common(const std::string& command) const;
};

// Chimp(args) with the shared test server's connection flags in front and
// its password in CHIMP_PASSWORD. REQUIRES: CHIMP_BINARY is defined.
CliRun ChimpOnServer(const std::vector<std::string>& args);

// "1" when a schema named `schema` exists on the shared test server, else "0".
std::string SchemaCount(const std::string& schema);

// A directory made by mkdtemp as <parent>/<prefix>XXXXXX (mode 0700 unless
// `mode` is given), removed with everything in it by the destructor.
// `parent` defaults to the temporary directory; tests that put plugins in
// it pass a directory no other user may write.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "chimp_test_",
                      const std::filesystem::path& parent = std::filesystem::temp_directory_path(),
                      std::filesystem::perms mode = std::filesystem::perms::owner_all);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // <path>/<name>, created with mode `perms`.
  std::filesystem::path Dir(const std::string& name, std::filesystem::perms perms) const;

 private:
  std::filesystem::path path_;
};

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_CLI_TARGET_HPP_
