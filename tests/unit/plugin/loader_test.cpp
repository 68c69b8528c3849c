#include "chimp/loader.hpp"

#include <doctest/doctest.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace chimp {
namespace {

namespace fs = std::filesystem;

// The canonical path of fixture `name` (tests/plugins/CMakeLists.txt).
std::string Fixture(const std::string& name) {
  return fs::canonical(fs::path(CHIMP_TEST_PLUGIN_DIR) / name / (name + ".so")).string();
}
std::string FixtureDir(const std::string& name) { return (fs::path(CHIMP_TEST_PLUGIN_DIR) / name).string(); }

// A fresh directory (mode 0755) removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("chimp-loader-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
    fs::permissions(path_, fs::perms(0755));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string str() const { return path_.string(); }
  const fs::path& path() const { return path_; }
  // A copy of good.so as `name`, with `mode`.
  std::string CopyGood(const std::string& name, fs::perms mode = fs::perms(0644)) const {
    const fs::path to = path_ / name;
    fs::copy_file(Fixture("good"), to);
    fs::permissions(to, mode);
    return to.string();
  }

 private:
  fs::path path_;
};

std::string LoadError(const std::string& fixture) {
  auto loaded = LoadPlugin(Fixture(fixture));
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kPluginError);
  return loaded.status().message();
}

TEST_CASE("loader: the SQL checksum ignores line ends and trailing blanks") {
  // printf 'SELECT 1' | sha256sum
  const std::string select1 = "sha256:e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5";
  CHECK(SqlChecksum("SELECT 1") == select1);
  CHECK(SqlChecksum("SELECT 1\n") == select1);
  CHECK(SqlChecksum("SELECT 1\r\n") == select1);
  CHECK(SqlChecksum("SELECT 1 \t\r\n\r\n  \n\n") == select1);

  CHECK(SqlChecksum("SELECT  1") != select1);   // inner spaces count
  CHECK(SqlChecksum("\nSELECT 1") != select1);  // leading blank lines count
  CHECK(SqlChecksum(" SELECT 1") != select1);   // leading spaces count
  CHECK(SqlChecksum("select 1") != select1);    // case counts

  CHECK(NormalizeSql("a \r\n\r\nb\t\n \n") == "a\n\nb");
  CHECK(NormalizeSql("") == "");
  CHECK(NormalizeSql(" \r\n\t") == "");
  CHECK(NormalizeSql("a\rb") == "a\rb");  // a lone CR is not a line end
}

TEST_CASE("loader: good plugin is copied field by field") {
  auto loaded = LoadPlugin(Fixture("good"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const LoadedPlugin& plugin = *loaded;

  REQUIRE(plugin.info != nullptr);
  CHECK(plugin.info->file == Fixture("good"));
  CHECK(plugin.info->name == "good");
  CHECK(plugin.info->version == "1.1.0");
  CHECK(plugin.info->description == "The good fixture");
  CHECK(plugin.info->abi_major == CHIMP_ABI_MAJOR);
  CHECK(plugin.info->abi_minor == CHIMP_ABI_MINOR);
  CHECK(plugin.info->min_host_minor == 0);

  REQUIRE(plugin.edges.size() == 2);
  const Edge& base = plugin.edges[0];
  CHECK(base.from.empty());
  CHECK(base.to.ToString() == "1.0.0");
  CHECK(base.description == "Base schema");
  CHECK(base.plugin == plugin.info);
  REQUIRE(base.steps.size() == 3);

  const Step& create = base.steps[0];
  CHECK(create.id == "good.1.0.0.create");
  CHECK(create.description == "Create good_items");
  CHECK(create.kind == StepKind::kSql);
  CHECK(create.phase == Phase::kExpand);
  CHECK(create.has_ddl);
  CHECK_FALSE(create.idempotent);
  // The SQL is kept as written; the checksum is of the normalised text:
  // printf 'CREATE TABLE good_items (\n  id BIGINT PRIMARY KEY,\n  name VARCHAR(64) NOT NULL\n)' | sha256sum
  CHECK(create.sql ==
        "CREATE TABLE good_items (\r\n  id BIGINT PRIMARY KEY,   \r\n  name VARCHAR(64) NOT NULL\t\r\n)\r\n\r\n");
  CHECK(create.checksum == "sha256:f2b44cd1d6bd363049568f1ef239ea1619fc94bd4528c02607765e7bc990d0ef");
  CHECK(create.checksum ==
        SqlChecksum("CREATE TABLE good_items (\n  id BIGINT PRIMARY KEY,\n  name VARCHAR(64) NOT NULL\n)"));
  CHECK(create.source == "good/create.sql");
  CHECK(create.proposed_at == "2026-11-21");
  CHECK((create.run == nullptr));

  const Step& seed = base.steps[1];
  CHECK(seed.id == "good.1.0.0.seed");
  CHECK(seed.kind == StepKind::kSql);
  CHECK_FALSE(seed.has_ddl);
  CHECK(seed.source.empty());
  CHECK(seed.proposed_at.empty());
  CHECK(seed.checksum == SqlChecksum(seed.sql));

  const Step& has_rows = base.steps[2];
  CHECK(has_rows.kind == StepKind::kCheck);
  CHECK(has_rows.sql == "SELECT COUNT(*) = 2 FROM good_items");
  CHECK(has_rows.checksum == SqlChecksum(has_rows.sql));
  CHECK((has_rows.run == nullptr));

  const Edge& upgrade = plugin.edges[1];
  CHECK(upgrade.from.ToString() == "1.0.0");
  CHECK(upgrade.to.ToString() == "1.1.0");
  REQUIRE(upgrade.steps.size() == 4);
  CHECK(upgrade.steps[0].id == "good.1.1.0.add-upper");

  const Step& fill = upgrade.steps[1];
  CHECK(fill.id == "good.1.1.0.fill-upper");
  CHECK(fill.kind == StepKind::kNative);
  CHECK(fill.checksum == "rev:3");
  CHECK(fill.sql.empty());
  CHECK((fill.run != nullptr));
  CHECK(fill.user != nullptr);
  CHECK(fill.idempotent);
  CHECK_FALSE(fill.has_ddl);

  const Step& filled = upgrade.steps[2];
  CHECK(filled.kind == StepKind::kCheck);
  CHECK(filled.checksum == "rev:1");
  CHECK(filled.sql.empty());
  CHECK((filled.run != nullptr));

  const Step& drop = upgrade.steps[3];
  CHECK(drop.phase == Phase::kCleanup);
  CHECK(drop.has_ddl);
  CHECK(drop.idempotent);
}

TEST_CASE("loader: loading a plugin twice reuses the library") {
  auto first = LoadPlugin(Fixture("good"));
  auto second = LoadPlugin(FixtureDir("good") + "/../good/good.so");  // another spelling, same file
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->info->file == first->info->file);
  CHECK((second->edges[1].steps[1].run == first->edges[1].steps[1].run));
  CHECK(second->edges[1].steps[1].user == first->edges[1].steps[1].user);
}

TEST_CASE("loader: a raw C plugin loads") {
  auto loaded = LoadPlugin(Fixture("raw_good"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  CHECK(loaded->info->name == "raw");
  REQUIRE(loaded->edges.size() == 1);
  REQUIRE(loaded->edges[0].steps.size() == 2);
  const Step& bump = loaded->edges[0].steps[1];
  CHECK(bump.kind == StepKind::kNative);
  CHECK(bump.checksum == "rev:1");
  CHECK(bump.proposed_at == "2026-11-21");
  CHECK((bump.run != nullptr));
}

TEST_CASE("loader: each broken plugin is refused with a message naming the file and the problem") {
  struct Case {
    const char* fixture;
    std::string problem;  // what follows "plugin '<file>'"
  };
  const Case cases[] = {
      {"wrong_major", " was built for chimp ABI 2." + std::to_string(CHIMP_ABI_MINOR) + "; this host speaks ABI 1." +
                          std::to_string(CHIMP_ABI_MINOR) + " (the major must match)"},
      {"refuses", " refuses to load: this plugin needs the extension chimp.fancy/1, which the host lacks"},
      {"null_descriptor", ": the entry returned CHIMP_OK but no descriptor"},
      {"small_struct", ": struct_size 24 is smaller than the ABI 1.0 chimp_plugin (56 bytes)"},
      {"needs_newer_host", " needs a host with ABI 1.7 or later (min_host_minor); this host speaks ABI 1." +
                               std::to_string(CHIMP_ABI_MINOR)},
      {"unknown_status", ": chimp_plugin_entry failed with status 42 (unknown): something odd happened"},
      {"unknown_kind", " edge #1 ((empty) -> 1.0.0) step #2 'raw.1.0.0.bump': unknown kind 9"},
      {"missing_rev",
       " edge #1 ((empty) -> 1.0.0) step #2 'raw.1.0.0.bump': checksum is missing; a step with a function "
       "needs \"rev:<n>\""},
      {"no_entry",
       " does not export 'chimp_plugin_entry' (declare the plugin with CHIMP_PLUGIN, or export the entry "
       "with CHIMP_PLUGIN_EXPORT)"},
      {"throws",
       ": chimp_plugin_entry failed with status 1 (error): registration failed: thrown by the throws fixture"},
      {"duplicate_ids",
       ": step id 'dup.step' is declared twice (edge #1 ((empty) -> 1.0.0) step #1 and "
       "edge #2 (1.0.0 -> 1.1.0) step #2)"},
      {"bad_version", " edge #1 to_version: '4.19.x' is not a version"},
      {"downgrade_edge",
       " edge #1 (1.1.0 -> 1.0.0): from_version 1.1.0 is not lower than to_version 1.0.0; an edge only upgrades"},
      {"empty_edge", " edge #2 (1.0.0 -> 1.1.0) has no steps"},
      {"undeclared_ddl",
       " edge #1 (1.0.0 -> 1.1.0) step #1 'undeclared.alter': statement 2 ('ALTER TABLE t ADD COLUMN b INT') "
       "causes an implicit commit, but the step does not declare CHIMP_STEP_HAS_DDL (chimp::sdk::kDdl)"},
      {"unsplittable_sql",
       " edge #1 ((empty) -> 1.0.0) step #1 'unsplittable.insert': sql/insert.sql:1: unterminated '-quoted string"},
      {"two_query_check",
       " edge #1 ((empty) -> 1.0.0) step #1 'two_query.check': a check's sql must be one query; it has 2 statements"},
      {"bad_step_id",
       " edge #1 ((empty) -> 1.0.0) step #1: id 'bad id!' is not valid (expected [A-Za-z0-9._-]{1,128})"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.fixture);
    const std::string message = LoadError(c.fixture);
    const std::string expected = "plugin '" + Fixture(c.fixture) + "'" + c.problem;
    // bad_version's and unsplittable_sql's tails are the parser's reason.
    CHECK(message.substr(0, expected.size()) == expected);
  }
}

TEST_CASE("loader: a missing plugin file is NotFound") {
  auto loaded = LoadPlugin("/nonexistent/chimp/plugin.so");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kNotFound);
  CHECK(loaded.status().message() == "plugin '/nonexistent/chimp/plugin.so' does not exist");
}

TEST_CASE("loader: a file that is not a shared object is refused with the dynamic loader's reason") {
  TempDir dir;
  const fs::path file = dir.path() / "text.so";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("not ELF\n", f);
    std::fclose(f);
  }
  auto loaded = LoadPlugin(file.string());
  REQUIRE_FALSE(loaded.ok());
  const std::string expected = "plugin '" + file.string() + "': cannot load the library: ";
  CHECK(loaded.status().message().substr(0, expected.size()) == expected);
  CHECK(loaded.status().message().size() > expected.size());
}

TEST_CASE("discovery: lists the .so files of each directory, sorted and deduplicated") {
  auto one = DiscoverPlugins({FixtureDir("good")});
  REQUIRE_MESSAGE(one.ok(), one.status().ToString());
  CHECK(*one == std::vector<std::string>{Fixture("good")});

  // Repeated directories, and a symlink to a file listed elsewhere, give one
  // entry per file; other files and subdirectories are ignored.
  TempDir links;
  fs::create_symlink(Fixture("good"), links.path() / "alias.so");
  fs::create_directory(links.path() / "sub.so");
  {
    std::FILE* f = std::fopen((links.path() / "notes.txt").c_str(), "w");
    std::fclose(f);
  }
  auto many = DiscoverPlugins({FixtureDir("refuses"), FixtureDir("good"), links.str(), FixtureDir("good")});
  REQUIRE_MESSAGE(many.ok(), many.status().ToString());
  CHECK(*many == std::vector<std::string>{Fixture("good"), Fixture("refuses")});
}

// How a refusal names the owner of what this process creates.
std::string Me() {
  const passwd* pw = getpwuid(geteuid());
  if (geteuid() == 0) return "root";
  return std::string(pw != nullptr ? pw->pw_name : "?") + " (uid " + std::to_string(geteuid()) + ")";
}

TEST_CASE("discovery: refuses directories and files that group or others may write") {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms(0777));
  auto open_dir = DiscoverPlugins({dir.str()});
  REQUIRE_FALSE(open_dir.ok());
  CHECK(open_dir.status().code() == StatusCode::kPluginError);
  CHECK(open_dir.status().message() == "plugin directory '" + dir.str() + "' is writable by others (mode 0777, owner " +
                                           Me() + "); refusing to load plugins from it");

  fs::permissions(dir.path(), fs::perms(0775));
  auto group_dir = DiscoverPlugins({dir.str()});
  REQUIRE_FALSE(group_dir.ok());
  CHECK(group_dir.status().message() == "plugin directory '" + dir.str() + "' is writable by group (mode 0775, owner " +
                                            Me() + "); refusing to load plugins from it");

  fs::permissions(dir.path(), fs::perms(0755));
  const std::string file = dir.CopyGood("open.so", fs::perms(0666));
  auto open_file = DiscoverPlugins({dir.str()});
  REQUIRE_FALSE(open_file.ok());
  CHECK(open_file.status().code() == StatusCode::kPluginError);
  CHECK(open_file.status().message() ==
        "plugin file '" + file + "' is writable by others (mode 0666, owner " + Me() + "); refusing to load it");

  fs::permissions(file, fs::perms(0644));
  auto fixed = DiscoverPlugins({dir.str()});
  REQUIRE_MESSAGE(fixed.ok(), fixed.status().ToString());
  CHECK(fixed->size() == 1);
}

TEST_CASE("discovery: a missing directory is NotFound, a file is not a directory") {
  auto missing = DiscoverPlugins({"/nonexistent/chimp/plugins"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() == "plugin directory '/nonexistent/chimp/plugins' does not exist");

  auto file = DiscoverPlugins({Fixture("good")});
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().code() == StatusCode::kInvalidArgument);
  CHECK(file.status().message() == "plugin directory '" + Fixture("good") + "' is not a directory");
}

TEST_CASE("loader: plugins that clash are refused naming both files") {
  // The same plugin name in two files.
  TempDir dir;
  const std::string copy = dir.CopyGood("good_copy.so");
  auto names = LoadPlugins({FixtureDir("good"), dir.str()});
  REQUIRE_FALSE(names.ok());
  CHECK(names.status().code() == StatusCode::kPluginError);
  const std::string first = Fixture("good") < copy ? Fixture("good") : copy;
  const std::string second = Fixture("good") < copy ? copy : Fixture("good");
  CHECK(names.status().message() == "plugin name 'good' is declared by both '" + first + "' and '" + second + "'");

  // The same step id in two plugins.
  auto ids = LoadPlugins({FixtureDir("raw_twin"), FixtureDir("raw_good")});
  REQUIRE_FALSE(ids.ok());
  CHECK(ids.status().message() == "step id 'raw.1.0.0.create' is declared by both '" + Fixture("raw_good") + "' and '" +
                                      Fixture("raw_twin") + "'");
}

TEST_CASE("loader: the sample application's four plugins load with their edges") {
  auto loaded = LoadPlugins({CHIMP_SAMPLE_MIGRATIONS_DIR});
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const std::vector<LoadedPlugin>& plugins = *loaded;
  REQUIRE(plugins.size() == 4);

  struct Expected {
    const char* file;
    const char* name;
    std::vector<std::tuple<const char*, const char*, size_t>> edges;  // from, to, steps
  };
  const Expected expected[] = {
      {"sample_1_0_0.so", "library-1.0.0", {{"", "1.0.0", 3}}},
      {"sample_1_1_0.so", "library-1.1.0", {{"1.0.0", "1.1.0", 3}}},
      {"sample_1_1_1.so", "library-1.1.1", {{"1.1.0", "1.1.1", 1}}},
      {"sample_2_0_0.so", "library-2.0.0", {{"1.1.0", "2.0.0", 5}, {"1.1.1", "2.0.0", 5}}},
  };
  for (size_t i = 0; i < plugins.size(); ++i) {
    CAPTURE(i);
    CHECK(fs::path(plugins[i].info->file).filename() == expected[i].file);
    CHECK(plugins[i].info->name == expected[i].name);
    REQUIRE(plugins[i].edges.size() == expected[i].edges.size());
    for (size_t j = 0; j < plugins[i].edges.size(); ++j) {
      const Edge& edge = plugins[i].edges[j];
      CHECK(edge.from.ToString() == std::get<0>(expected[i].edges[j]));
      CHECK(edge.to.ToString() == std::get<1>(expected[i].edges[j]));
      CHECK(edge.steps.size() == std::get<2>(expected[i].edges[j]));
    }
  }

  // 1.0.0 is a base edge whose table steps declare DDL and whose seed does not.
  CHECK(plugins[0].edges[0].steps[0].has_ddl);
  CHECK_FALSE(plugins[0].edges[0].steps[2].has_ddl);
  // 1.1.0 backfills slugs in C++.
  const Step& fill = plugins[1].edges[0].steps[1];
  CHECK(fill.kind == StepKind::kNative);
  CHECK(fill.checksum == "rev:1");
  // 2.0.0: a check, and a cleanup step that drops books.on_loan, on both edges.
  for (const Edge& edge : plugins[3].edges) {
    CHECK(edge.steps[3].kind == StepKind::kCheck);
    CHECK(edge.steps.back().phase == Phase::kCleanup);
    CHECK(edge.steps.back().sql == "ALTER TABLE books DROP COLUMN on_loan");
  }
}

}  // namespace
}  // namespace chimp
