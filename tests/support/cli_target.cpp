#include "support/cli_target.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp::test {

namespace fs = std::filesystem;

Target::Target(const std::string& prefix) : db(TestServer::Shared().FreshDatabase(prefix)), changelog(db + "_chimp") {
  Exec("DROP DATABASE IF EXISTS `" + changelog + "`");
}

std::vector<std::string> Target::Common(const std::string& command) const {
  return {command, "-d", db, "--changelog-schema", changelog};
}

CliRun ChimpOnServer(const std::vector<std::string>& args) {
  ServerFlags server = TestServerFlags();
  return Chimp(Args({server.flags, args}), server.password);
}

std::string SchemaCount(const std::string& schema) {
  return Scalar("", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" + schema + "'");
}

ScratchDir::ScratchDir(const std::string& prefix, const fs::path& parent, fs::perms mode) {
  fs::create_directories(parent);
  std::string templ = (parent / (prefix + "XXXXXX")).string();
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  path_ = templ;
  fs::permissions(path_, mode);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path ScratchDir::Dir(const std::string& name, fs::perms perms) const {
  const fs::path dir = path_ / name;
  fs::create_directories(dir);
  fs::permissions(dir, perms);
  return dir;
}

}  // namespace chimp::test
