// [changelog] lock and lease_seconds.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "chimp/config.hpp"

namespace {

namespace fs = std::filesystem;

std::string WriteConfig(const std::string& text) {
  static int n = 0;
  fs::path p = fs::temp_directory_path() /
               ("chimp_config_lock_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".toml");
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

TEST_CASE("config: [changelog] lock chooses the lock kind, lease_seconds its expiry") {
  chimp::EngineOptions defaults;
  CHECK(defaults.lock_kind == chimp::LockKind::kAuto);
  CHECK(defaults.lease_ttl == std::chrono::seconds(30));

  chimp::EngineOptions o;
  std::string file = WriteConfig("[changelog]\nlock = \"lease\"\nlease_seconds = 12\n");
  REQUIRE(chimp::ApplyConfigFile(file, &o).ok());
  CHECK(o.lock_kind == chimp::LockKind::kLease);
  CHECK(o.lease_ttl == std::chrono::seconds(12));
  fs::remove(file);

  file = WriteConfig("[changelog]\nlock = \"named\"\n");
  REQUIRE(chimp::ApplyConfigFile(file, &o).ok());
  CHECK(o.lock_kind == chimp::LockKind::kNamed);
  fs::remove(file);

  file = WriteConfig("[changelog]\nlock = \"auto\"\n");
  REQUIRE(chimp::ApplyConfigFile(file, &o).ok());
  CHECK(o.lock_kind == chimp::LockKind::kAuto);
  fs::remove(file);
}

TEST_CASE("config: a bad lock kind or lease length names the key, the value and the line") {
  chimp::EngineOptions o;
  std::string file = WriteConfig("[changelog]\n\nlock = \"galera\"\n");
  chimp::Status s = chimp::ApplyConfigFile(file, &o);
  CHECK(s.code() == chimp::StatusCode::kInvalidArgument);
  CHECK(s.message() == file + ":3: 'changelog.lock' must be \"auto\", \"named\" or \"lease\", not \"galera\"");
  fs::remove(file);

  file = WriteConfig("[changelog]\nlease_seconds = 0\n");
  s = chimp::ApplyConfigFile(file, &o);
  CHECK(s.code() == chimp::StatusCode::kInvalidArgument);
  CHECK(s.message().find("'changelog.lease_seconds' must be between 1 and 86400, not 0") != std::string::npos);
  fs::remove(file);
}

}  // namespace

TEST_CASE("config: [changelog] lock_wait_timeout bounds a step's lock waits") {
  chimp::EngineOptions defaults;
  CHECK(defaults.lock_wait_timeout == std::chrono::seconds(60));
  chimp::EngineOptions o;
  std::string file = WriteConfig("[changelog]\nlock_wait_timeout = 7\n");
  REQUIRE(chimp::ApplyConfigFile(file, &o).ok());
  CHECK(o.lock_wait_timeout == std::chrono::seconds(7));
  fs::remove(file);
  file = WriteConfig("[changelog]\nlock_wait_timeout = 0\n");
  CHECK_FALSE(chimp::ApplyConfigFile(file, &o).ok());
  fs::remove(file);
}
