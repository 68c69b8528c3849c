// Issue 13, item 2, on the real server through the chimp binary: a no-op
// `migrate` (and `status`) with everything applied loads no plugin code
// (the descriptor cache vouches for the plugin file's bytes), takes no
// lock and writes nothing, and sends a bounded number of statements; a
// changed plugin file (other bytes) is loaded the full way again, so its
// checksum mismatch is reported as before; a pending edge still migrates;
// a corrupt or untrusted cache entry is ignored.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
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
using test::Contains;
using test::ScratchDir;
using test::Target;

// A plugin directory holding one variant of the noop fixture at a time, a
// descriptor cache and a load log of its own.
class NoopBench {
 public:
  explicit NoopBench(const std::string& prefix) : t_(prefix), scratch_("chimp_i13_") {
    plugins_ = scratch_.Dir("plugins", fs::perms::owner_all);
    cache_ = (scratch_.path() / "cache").string();
    log_ = (scratch_.path() / "loads.log").string();
  }

  // Puts fixture `variant` in the plugin directory as `name`.
  void Use(const std::string& variant, const std::string& name = "noop.so") {
    const fs::path to = plugins_ / name;
    fs::copy_file(test::FixtureDir(variant) + "/" + variant + ".so", to, fs::copy_options::overwrite_existing);
    fs::permissions(to, fs::perms(0644));
  }

  test::CliRun Run(const std::string& command) const {
    test::ServerFlags server = test::TestServerFlags();
    test::CliOptions options;
    options.password = server.password;
    options.env = {{"CHIMP_DESCRIPTOR_CACHE", cache_env_.empty() ? cache_ : cache_env_},
                   {"CHIMP_FIXTURE_LOAD_LOG", log_}};
    return test::RunCli(CHIMP_BINARY, Args({server.flags, t_.Common(command), {"--plugins", plugins_.string()}}),
                        options);
  }

  // How many times the plugin's code was loaded so far (trial child and
  // chimp count once each).
  int Loads() const {
    std::ifstream in(log_);
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }

  // How many times plugin `name`'s code was loaded so far.
  int LoadsOf(const std::string& name) const {
    std::ifstream in(log_);
    int lines = 0;
    for (std::string line; std::getline(in, line);) lines += line == "loaded " + name ? 1 : 0;
    return lines;
  }

  // Every row of `table` in the target's changelog schema, as text.
  std::string TableRows(const std::string& table) const {
    std::string out;
    for (const auto& row : test::Rows(t_.changelog, "SELECT * FROM " + table + " ORDER BY 1")) {
      for (const std::string& cell : row) out += cell + "|";
      out += "\n";
    }
    return out;
  }
  // Every changelog and state row of the target.
  std::string Changelog() const { return TableRows("chimp_changelog") + TableRows("chimp_state"); }

  std::vector<fs::path> CacheFiles() const {
    std::vector<fs::path> files;
    if (!fs::exists(cache_)) return files;
    for (const auto& e : fs::directory_iterator(cache_)) {
      if (e.path().extension() == ".desc") files.push_back(e.path());
    }
    return files;
  }

  // What CHIMP_DESCRIPTOR_CACHE is set to ("" = cache()).
  void SetCacheEnv(const std::string& value) { cache_env_ = value; }
  // How many remembered digests (<sha256 of the path>.stat) the cache holds.
  size_t StatFiles() const {
    size_t n = 0;
    if (!fs::exists(cache_)) return n;
    for (const auto& e : fs::directory_iterator(cache_)) n += e.path().extension() == ".stat" ? 1 : 0;
    return n;
  }
  const Target& target() const { return t_; }
  const std::string& cache() const { return cache_; }

 private:
  Target t_;
  ScratchDir scratch_;
  fs::path plugins_;
  std::string cache_;
  std::string log_;
  std::string cache_env_;
};

// The server's global Questions counter, read on `conn`.
int64_t Questions(Connection& conn) {
  auto v =
      conn.QueryScalar("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'QUESTIONS'");
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  return std::stoll((*v)->ToString());
}

TEST_CASE("issue 13.2: a no-op migrate and status load no plugin code, write nothing, send few statements") {
  NoopBench b("i13_noop");
  b.Use("noop_v1");
  test::CliRun first = b.Run("migrate");
  INFO("stderr: " << first.err);
  REQUIRE(first.code == 0);
  const int loads = b.Loads();
  CHECK(loads == 2);  // the trial child and chimp: the full way, as before
  CHECK(b.CacheFiles().size() == 1);
  const std::string before = b.Changelog();

  auto conn = test::TestServer::Shared().Connect();
  const int64_t q0 = Questions(*conn);
  const int64_t q1 = Questions(*conn);  // what one read costs
  test::CliRun noop = b.Run("migrate");
  const int64_t q2 = Questions(*conn);
  INFO("stdout: " << noop.out << "stderr: " << noop.err);
  CHECK(noop.code == 0);
  CHECK(Contains(noop.out, "Nothing to do"));
  CHECK(b.Loads() == loads);       // no plugin code ran
  CHECK(b.Changelog() == before);  // nothing written, not even the owner
  const int64_t sent = (q2 - q1) - (q1 - q0);
  MESSAGE("a no-op migrate sent " << sent << " statements");
  CHECK(sent <= 4);  // the session set-up, the state row with the layout, the rows

  const int64_t q3 = Questions(*conn);
  test::CliRun status = b.Run("status");
  const int64_t q4 = Questions(*conn);
  INFO("status: " << status.out << status.err);
  CHECK(status.code == 0);
  CHECK(Contains(status.out, "1.0.0"));
  CHECK(b.Loads() == loads);
  CHECK(b.Changelog() == before);
  // 10 before drift; the comparison adds the newest fingerprint rows and
  // the schema's information_schema read.
  const int64_t status_sent = (q4 - q3) - (q1 - q0);
  MESSAGE("a no-op status sent " << status_sent << " statements");
  CHECK(status_sent <= 13);
}

TEST_CASE("issue 13.2: a changed plugin file is loaded the full way and its checksum mismatch reported") {
  NoopBench b("i13_changed");
  b.Use("noop_v1");
  bool remembered = false;
  SUBCASE("a file just written: its bytes are hashed") {}
  SUBCASE("a file 2 s old: its digest is remembered with its identity, and the change still seen") {
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    remembered = true;
  }
  REQUIRE(b.Run("migrate").code == 0);
  CHECK(b.StatFiles() == (remembered ? 1u : 0u));
  if (remembered) {
    const int loads = b.Loads();
    REQUIRE(b.Run("migrate").code == 0);  // from the remembered digest
    CHECK(b.Loads() == loads);
  }
  const int loads = b.Loads();
  const std::string steps = b.TableRows("chimp_changelog");
  b.Use("noop_v1_changed");
  test::CliRun r = b.Run("migrate");
  INFO("stdout: " << r.out << "stderr: " << r.err);
  CHECK(r.code == 9);
  CHECK(Contains(r.err, "noop.1.0.0.row"));
  CHECK(Contains(r.err, "checksum"));
  CHECK(b.Loads() == loads + 2);                   // new bytes: tried in a child and loaded again
  CHECK(b.TableRows("chimp_changelog") == steps);  // nothing applied (the locked path claims the state row)
  test::CliRun s = b.Run("status");
  INFO("status: " << s.out << s.err);
  CHECK(s.code == 9);  // status reports what it cannot plan, and says so in its exit code (issue 14.4)
  CHECK(Contains(s.out, "cannot plan"));
  CHECK(Contains(s.out, "checksum"));
  CHECK(b.Loads() == loads + 2);  // the changed file's descriptor, verified by migrate, serves
}

TEST_CASE("issue 13.2: a pending edge still migrates, then the no-op loads nothing again") {
  NoopBench b("i13_pending");
  b.Use("noop_v1");
  REQUIRE(b.Run("migrate").code == 0);
  b.Use("noop_v2");
  const int loads = b.Loads();
  test::CliRun r = b.Run("migrate");
  INFO("stdout: " << r.out << "stderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(test::Scalar(b.target().changelog, "SELECT version FROM chimp_state WHERE target = '" + b.target().db + "'") ==
        "1.1.0");
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + b.target().db +
                             "' AND TABLE_NAME = 'noop_more'") == "1");
  CHECK(b.Loads() > loads);
  const int after = b.Loads();
  CHECK(b.Run("migrate").code == 0);
  CHECK(b.Loads() == after);
}

TEST_CASE("issue 13.2: a migrate with work loads only the plugins whose steps run") {
  NoopBench b("i13_only");
  b.Use("noop_v1");
  REQUIRE(b.Run("migrate").code == 0);
  REQUIRE(b.LoadsOf("noop-counter") == 2);
  b.Use("noop_extra", "extra.so");
  test::CliRun r = b.Run("migrate");
  INFO("stdout: " << r.out << "stderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "noop_extra.1.1.0.create"));
  CHECK(test::Scalar(b.target().changelog, "SELECT version FROM chimp_state WHERE target = '" + b.target().db + "'") ==
        "1.1.0");
  CHECK(b.LoadsOf("noop-extra") == 2);    // tried in a child, then loaded: it runs
  CHECK(b.LoadsOf("noop-counter") == 2);  // all applied: planned from its descriptor only
}

// Issue 13.1: loading a plugin the full way costs milliseconds per plugin;
// a SQL step's statements are data its full load returned, so a plugin
// whose pending steps are all SQL runs from its cached descriptor. A
// plugin with a native step in the plan is still tried and loaded.
TEST_CASE("issue 13.1: pending SQL steps run from the cached descriptor; a native step's plugin is loaded") {
  NoopBench b("i13_sqlcache");
  b.Use("noop_v1");
  REQUIRE(b.Run("migrate").code == 0);
  b.Use("noop_extra", "extra.so");
  b.Use("noop_native", "native.so");
  REQUIRE(b.Run("plan").code == 0);  // loads every plugin, fills the cache
  REQUIRE(b.LoadsOf("noop-extra") == 2);
  REQUIRE(b.LoadsOf("noop-native") == 2);
  test::CliRun r = b.Run("migrate");
  INFO("stdout: " << r.out << "stderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "noop_extra.1.1.0.create"));
  CHECK(Contains(r.out, "noop_native.1.2.0.row"));
  CHECK(test::Scalar(b.target().changelog, "SELECT version FROM chimp_state WHERE target = '" + b.target().db + "'") ==
        "1.2.0");
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM `" + b.target().db + "`.noop_extra WHERE id = 7") == "1");
  CHECK(b.LoadsOf("noop-extra") == 2);   // its SQL step ran from the cached descriptor
  CHECK(b.LoadsOf("noop-native") == 4);  // its step is code: tried in a child and loaded again
  CHECK(b.LoadsOf("noop-counter") == 4);
  CHECK(b.Run("validate").code == 0);
}

TEST_CASE("issue 13.2: a corrupt or untrusted descriptor cache entry is ignored") {
  NoopBench b("i13_corrupt");
  b.Use("noop_v1");
  REQUIRE(b.Run("migrate").code == 0);
  REQUIRE(b.CacheFiles().size() == 1);
  const fs::path entry = b.CacheFiles().front();
  const std::string before = b.Changelog();

  SUBCASE("garbled payload") {
    std::string text = test::Slurp(entry.string());
    REQUIRE(text.size() > 10);
    text[text.size() - 5] ^= 1;
    std::ofstream(entry, std::ios::binary | std::ios::trunc) << text;
  }
  SUBCASE("truncated") { fs::resize_file(entry, 40); }
  SUBCASE("readable by others") { fs::permissions(entry, fs::perms(0644)); }
  SUBCASE("a directory others may read") { fs::permissions(b.cache(), fs::perms(0755)); }

  const int loads = b.Loads();
  test::CliRun r = b.Run("migrate");
  INFO("stdout: " << r.out << "stderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "Nothing to do"));
  CHECK(b.Loads() == loads + 2);  // not trusted: the full way
  CHECK(b.Changelog() == before);
}

TEST_CASE("issue 13.2: CHIMP_DESCRIPTOR_CACHE=off loads the plugin every time and keeps no cache") {
  NoopBench b("i13_off");
  b.SetCacheEnv("off");
  b.Use("noop_v1");
  REQUIRE(b.Run("migrate").code == 0);
  const int loads = b.Loads();
  test::CliRun r = b.Run("migrate");
  CHECK(r.code == 0);
  CHECK(b.Loads() == loads + 2);
  CHECK_FALSE(fs::exists(b.cache()));
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
