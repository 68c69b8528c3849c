// Issue 11, items 2 and 3, on the real server through the chimp binary:
//   2. trust: a plugin file, its directory, a directory above them or a
//      link's target that another user owns or others may write is refused,
//      naming the path, the owner and the mode; a dangling link is an error;
//   3. isolation: a plugin that exits, _exits, aborts, crashes or hangs in a
//      static constructor or in its entry, or returns garbage, is refused
//      with exit 3 naming the file and what happened, and nothing is
//      applied; a plugin file replaced or truncated while chimp runs
//      changes nothing chimp loaded.
#include <doctest/doctest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::ChimpOnServer;
using test::Contains;
using test::SchemaCount;
using test::ScratchDir;
using test::Target;

test::CliRun Migrate(const Target& t, const std::vector<std::string>& dirs, const std::vector<std::string>& more = {}) {
  std::vector<std::string> args = t.Common("migrate");
  for (const std::string& dir : dirs) args.insert(args.end(), {"--plugins", dir});
  return ChimpOnServer(Args({args, more}));
}

std::string PluginFile(const std::string& fixture) { return test::FixtureDir(fixture) + "/" + fixture + ".so"; }

// A copy of fixture `fixture` as dir/name (mode 0644).
std::string CopyPlugin(const std::string& fixture, const fs::path& dir, const std::string& name) {
  const fs::path to = dir / name;
  fs::copy_file(PluginFile(fixture), to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms(0644));
  return to.string();
}

// The uid of "nobody", when this process may give files away (root).
bool CanChownToNobody(uid_t* uid) {
  const passwd* pw = getpwnam("nobody");
  if (geteuid() != 0 || pw == nullptr) return false;
  *uid = pw->pw_uid;
  return true;
}

// Item 3: what a plugin does while it loads ---------------------------------

struct Breaks {
  const char* fixture;
  const char* what;  // in the message
};

TEST_CASE("issue 11.3: a plugin that exits, aborts or crashes while it loads is refused, nothing applied") {
  const Breaks cases[] = {
      {"ctor_exit", "exit status 0"},
      {"ctor_under_exit", "exit status 0"},
      {"ctor_abort", "signal 6 (SIGABRT"},
      {"static_ctor_crash", "signal 11 (SIGSEGV"},
      {"entry_exit", "exit status 0"},
      {"entry_segv", "signal 11 (SIGSEGV"},
      {"entry_garbage", "was built for chimp ABI"},
  };
  for (const Breaks& c : cases) {
    INFO(c.fixture);
    Target t("i11_breaks");
    test::CliRun r = Migrate(t, {test::FixtureDir("good"), test::FixtureDir(c.fixture)});
    CHECK(r.code == 3);
    CHECK(Contains(r.err, PluginFile(c.fixture)));
    CHECK(Contains(r.err, c.what));
    CHECK(SchemaCount(t.changelog) == "0");
    CHECK(test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + t.db + "'") ==
          "0");
  }
}

TEST_CASE("issue 11.3: status, plan and validate refuse a plugin that exits while it loads") {
  Target t("i11_cmds");
  for (const char* command : {"status", "plan", "validate"}) {
    INFO(command);
    test::CliRun r = ChimpOnServer(Args({t.Common(command), {"--plugins", test::FixtureDir("ctor_exit")}}));
    CHECK(r.code == 3);
    CHECK(Contains(r.err, PluginFile("ctor_exit")));
    CHECK(Contains(r.err, "called exit()"));
  }
}

TEST_CASE("issue 11.3: a plugin that hangs while it loads is refused at CHIMP_PLUGIN_LOAD_TIMEOUT") {
  for (const char* fixture : {"ctor_hang", "entry_hang"}) {
    INFO(fixture);
    Target t("i11_hang");
    test::ServerFlags server = test::TestServerFlags();
    test::CliOptions options;
    options.password = server.password;
    options.env = {{"CHIMP_PLUGIN_LOAD_TIMEOUT", "2"}};
    test::CliRun r = test::RunCli(
        CHIMP_BINARY, Args({server.flags, t.Common("migrate"), {"--plugins", test::FixtureDir(fixture)}}), options);
    INFO("stderr: " << r.err);
    CHECK(r.code == 3);
    CHECK(Contains(r.err, PluginFile(fixture)));
    CHECK(Contains(r.err, "did not finish loading within 2 s"));
    CHECK(SchemaCount(t.changelog) == "0");
  }
}

TEST_CASE("issue 11.3: a truncated plugin file is refused, naming it") {
  Target t("i11_truncated");
  ScratchDir dir("chimp_i11_");
  const std::string file = CopyPlugin("good", dir.path(), "good.so");
  fs::resize_file(file, 4096);
  test::CliRun r = Migrate(t, {dir.path().string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, file));
  CHECK(SchemaCount(t.changelog) == "0");
}

// Runs native_slow from a copy in a private directory, and calls `change`
// on the copy once three of its steps have run; the run must converge.
void ChangeWhileRunning(const std::function<void(const std::string& file)>& change) {
  Target t("i11_replaced");
  ScratchDir dir("chimp_i11_");
  const std::string file = CopyPlugin("native_slow", dir.path(), "native_slow.so");
  test::CliRun run;
  std::thread runner([&] { run = Migrate(t, {dir.path().string()}); });
  const std::string rows =
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + t.db + "' AND TABLE_NAME = 'ns_log'";
  for (int i = 0; i < 600; ++i) {  // up to 60 s for the run to get going
    if (test::Scalar("", rows) == "1" && std::stoi(test::Scalar(t.db, "SELECT COUNT(*) FROM ns_log")) >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  change(file);
  runner.join();
  INFO("stderr: " << run.err);
  CHECK(run.code == 0);
  CHECK(run.signal == 0);
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM ns_log") == "12");
  CHECK(test::Scalar(t.db, "SELECT COUNT(DISTINCT step) FROM ns_log") == "12");
}

TEST_CASE("issue 11.3: a plugin file overwritten in place (cp) while migrate runs: the run finishes") {
  ChangeWhileRunning([](const std::string& file) {
    // cp opens the existing file with O_TRUNC and writes into it: the same inode.
    std::ifstream in(PluginFile("good"), std::ios::binary);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  });
}

TEST_CASE("issue 11.3: a plugin file truncated while migrate runs: the run finishes") {
  ChangeWhileRunning([](const std::string& file) { fs::resize_file(file, 4096); });
}

// Item 2: trust ---------------------------------------------------------------

TEST_CASE("issue 11.2: a plugin file owned by another user is refused, naming path, owner and mode") {
  uid_t nobody = 0;
  if (!CanChownToNobody(&nobody)) {
    MESSAGE("skipped: giving a file to 'nobody' needs root");
    return;
  }
  Target t("i11_owner");
  ScratchDir dir("chimp_i11_");
  const fs::path plugins = dir.Dir("plugins", fs::perms(0755));
  const std::string file = CopyPlugin("good", plugins, "good.so");
  REQUIRE(chown(file.c_str(), nobody, static_cast<gid_t>(-1)) == 0);
  test::CliRun r = Migrate(t, {plugins.string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, "plugin file '" + file + "' is owned by nobody"));
  CHECK(Contains(r.err, "mode 0644"));
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 11.2: a plugin directory owned by another user is refused") {
  uid_t nobody = 0;
  if (!CanChownToNobody(&nobody)) {
    MESSAGE("skipped: giving a directory to 'nobody' needs root");
    return;
  }
  Target t("i11_dir_owner");
  ScratchDir dir("chimp_i11_");
  const fs::path plugins = dir.Dir("plugins", fs::perms(0755));
  CopyPlugin("good", plugins, "good.so");
  REQUIRE(chown(plugins.c_str(), nobody, static_cast<gid_t>(-1)) == 0);
  test::CliRun r = Migrate(t, {plugins.string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, "plugin directory '" + plugins.string() + "' is owned by nobody"));
  CHECK(Contains(r.err, "mode 0755"));
  CHECK(SchemaCount(t.changelog) == "0");
}

TEST_CASE("issue 11.2: a plugin directory inside a world-writable parent is refused, naming the parent") {
  Target t("i11_parent");
  ScratchDir dir("chimp_i11_");
  const fs::path parent = dir.Dir("open", fs::perms(0777));
  const fs::path plugins = dir.Dir("open/plugins", fs::perms(0755));
  CopyPlugin("good", plugins, "good.so");
  test::CliRun r = Migrate(t, {plugins.string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, "the directory '" + parent.string() + "' above it is writable by others (mode 0777"));
  CHECK(SchemaCount(t.changelog) == "0");

  // A sticky world-writable parent (as /tmp) is accepted above the plugin directory.
  fs::permissions(parent, fs::perms(01777));
  CHECK(Migrate(t, {plugins.string()}).code == 0);
}

TEST_CASE("issue 11.2: a .so link into a world-writable sticky directory is refused, naming the target") {
  Target t("i11_link");
  ScratchDir dir("chimp_i11_");
  const fs::path sticky = dir.Dir("sticky", fs::perms(01777));
  const std::string target = CopyPlugin("good", sticky, "good.so");
  const fs::path plugins = dir.Dir("plugins", fs::perms(0755));
  fs::create_symlink(target, plugins / "good.so");
  test::CliRun r = Migrate(t, {plugins.string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, (plugins / "good.so").string()));
  CHECK(Contains(r.err, "its directory '" + sticky.string() + "' is writable by others (mode 1777"));
  CHECK(SchemaCount(t.changelog) == "0");

  // A link to a trusted file loads.
  fs::remove(plugins / "good.so");
  fs::create_symlink(PluginFile("good"), plugins / "good.so");
  CHECK(Migrate(t, {plugins.string()}).code == 0);
}

TEST_CASE("issue 11.2: a link to a file of another user is refused") {
  uid_t nobody = 0;
  if (!CanChownToNobody(&nobody)) {
    MESSAGE("skipped: giving a file to 'nobody' needs root");
    return;
  }
  Target t("i11_link_owner");
  ScratchDir dir("chimp_i11_");
  const fs::path theirs = dir.Dir("theirs", fs::perms(0755));
  const std::string target = CopyPlugin("good", theirs, "good.so");
  REQUIRE(chown(target.c_str(), nobody, static_cast<gid_t>(-1)) == 0);
  const fs::path plugins = dir.Dir("plugins", fs::perms(0755));
  fs::create_symlink(target, plugins / "alias.so");
  test::CliRun r = Migrate(t, {plugins.string()});
  CHECK(r.code == 3);
  CHECK(Contains(r.err, "(a link to '" + target + "') is owned by nobody"));
  CHECK(SchemaCount(t.changelog) == "0");
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
