// chimp plugins verify / list and chimp create, as CI runs them: verify on
// the sample migrations with and without a server, and on a broken plugin of
// each kind (bad SQL on the server, duplicate step id, wrong ABI, a crash at
// load), which must fail with the right exit code and message.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

namespace fs = std::filesystem;

using Run = test::CliRun;
using test::Args;
using test::Chimp;
using test::Contains;
using test::Slurp;
using test::TestServerFlags;

std::string Fixture(const std::string& name) {
  return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name + "/" + name + ".so";
}

std::vector<std::string> SamplePlugins() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(CHIMP_SAMPLE_MIGRATIONS_DIR)) {
    if (e.path().extension() == ".so") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Databases left behind by verify (there must be none).
std::vector<std::string> ScratchDatabases() {
  auto conn = test::TestServer::Shared().Connect();
  auto rows = conn->Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
  REQUIRE(rows.ok());
  std::vector<std::string> out;
  for (const Row& row : rows->rows) {
    const std::string name = row[0].ToString();
    if (name.rfind("chimp_verify_", 0) == 0) out.push_back(name);
  }
  return out;
}

nlohmann::json ParseJson(const Run& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(!j.is_discarded());
  return j;
}

TEST_CASE("plugins verify: the sample migrations pass without a server") {
  const std::vector<std::string> samples = SamplePlugins();
  REQUIRE(samples.size() >= 2);
  Run r = Chimp(Args({{"plugins", "verify"}, samples}));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "ok    " + samples.front()));
  CHECK(Contains(r.out, "0 failed"));
  CHECK(Contains(r.out, "static checks only"));

  Run j = Chimp(Args({{"plugins", "verify", "--format", "json"}, samples}));
  CHECK(j.code == 0);
  nlohmann::json doc = ParseJson(j);
  CHECK(doc["ok"] == true);
  CHECK(doc["applied"] == false);
  REQUIRE(doc["plugins"].size() == samples.size());
  for (const auto& p : doc["plugins"]) {
    CHECK(p["ok"] == true);
    CHECK(p["loaded"] == true);
    CHECK(p["abi"].get<std::string>().rfind("1.", 0) == 0);
    CHECK(p["edge_count"].get<int>() >= 1);
    CHECK(p["problems"].empty());
  }
}

TEST_CASE("plugins verify: with a server, every edge of the samples applies on a scratch database") {
  test::ServerFlags s = TestServerFlags();
  const std::vector<std::string> samples = SamplePlugins();
  // With the other plugins: edges from a non-empty version are reached first.
  Run r = Chimp(
      Args({{"plugins", "verify", "--format", "json", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR}, s.flags, samples}),
      s.password);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  nlohmann::json doc = ParseJson(r);
  CHECK(doc["applied"] == true);
  int applied = 0;
  for (const auto& p : doc["plugins"]) {
    for (const auto& e : p["edges"]) {
      INFO(p["file"] << " " << e["from"] << " -> " << e["to"] << ": " << e["detail"]);
      CHECK(e["applied"] == "applied");
      applied += e["applied"] == "applied" ? 1 : 0;
    }
  }
  CHECK(applied >= static_cast<int>(samples.size()));
  CHECK(ScratchDatabases().empty());

  // Without them: base edges apply, the others say what they need, and
  // verify is not "ok" (issue 11): exit 13.
  Run t = Chimp(Args({{"plugins", "verify"}, s.flags, samples}), s.password);
  INFO(t.out << t.err);
  CHECK(t.code == 13);
  CHECK(Contains(t.out, "applied on a scratch database"));
  CHECK(Contains(t.out, "not applied: needs "));
  CHECK(ScratchDatabases().empty());
}

TEST_CASE("plugins verify: SQL that fails on the server names the file and the line, exit 8") {
  test::ServerFlags s = TestServerFlags();
  // Statically it is fine, and its two embedded files are in the manifest.
  Run st = Chimp({"plugins", "verify", "--format", "json", Fixture("bad_sql")});
  INFO(st.out << st.err);
  CHECK(st.code == 0);
  CHECK(ParseJson(st)["plugins"][0]["embedded_sql_files"] == 2);

  Run r = Chimp(Args({{"plugins", "verify"}, s.flags, {Fixture("bad_sql")}}), s.password);
  INFO(r.out << r.err);
  CHECK(r.code == 8);
  CHECK(Contains(r.out, "FAIL  " + Fixture("bad_sql")));
  CHECK(Contains(r.out, "step 'bad_sql.broken'"));
  CHECK(Contains(r.out, "V1__broken.sql, line 9"));
  CHECK(Contains(r.out, "bad_sql_missing"));
  CHECK(ScratchDatabases().empty());
}

TEST_CASE("plugins verify: a step whose SQL is not the embedded file it names is a plugin error") {
  Run r = Chimp({"plugins", "verify", Fixture("sql_mismatch")});
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  CHECK(Contains(r.out, "step 'bad_sql.broken': its SQL is not the embedded file 'fixtures/V1__broken.sql'"));
}

TEST_CASE("plugins verify: a duplicate step id is a plugin error, exit 3") {
  Run r = Chimp({"plugins", "verify", Fixture("duplicate_ids")});
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  CHECK(Contains(r.out, "FAIL  " + Fixture("duplicate_ids")));
  CHECK(Contains(r.out, "declared twice"));
}

TEST_CASE("plugins verify: a plugin for another ABI major is refused, exit 3") {
  Run r = Chimp({"plugins", "verify", "--format", "json", Fixture("wrong_major")});
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  nlohmann::json doc = ParseJson(r);
  CHECK(doc["ok"] == false);
  const std::string message = doc["plugins"][0]["problems"][0]["message"];
  CHECK(Contains(message, "ABI"));
  CHECK(doc["plugins"][0]["problems"][0]["exit_code"] == 3);
}

TEST_CASE("plugins verify: a crash at load is reported with its signal, not inherited") {
  const std::string crash = Fixture("static_ctor_crash");
  // Next to a good plugin: the crash does not stop the others being verified.
  Run r = Chimp({"plugins", "verify", crash, Fixture("good")});
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  CHECK(Contains(r.out, "FAIL  " + crash));
  CHECK(Contains(r.out, "crashed"));
  CHECK(Contains(r.out, "SIGSEGV"));
  CHECK(Contains(r.out, "ok    " + Fixture("good")));

  Run j = Chimp({"plugins", "verify", "--format", "json", crash});
  CHECK(j.code == 3);
  CHECK(ParseJson(j)["plugins"][0]["crash_signal"] == 11);
}

TEST_CASE("plugins verify: a missing file is a usage error, exit 2") {
  Run r = Chimp({"plugins", "verify", "/nonexistent/x.so"});
  CHECK(r.code == 2);
  CHECK(Contains(r.out, "does not exist"));
}

TEST_CASE("plugins list: the discovered plugins with ABI, version, edges and steps") {
  Run r = Chimp({"plugins", "list", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(Contains(r.out, "FILE"));
  CHECK(Contains(r.out, "library-1.0.0"));
  CHECK(Contains(r.out, "(empty) -> 1.0.0"));

  Run j = Chimp({"plugins", "list", "--format", "json", "--plugins", CHIMP_SAMPLE_MIGRATIONS_DIR});
  CHECK(j.code == 0);
  nlohmann::json doc = ParseJson(j);
  CHECK(doc["plugins"].size() == SamplePlugins().size());
  CHECK(doc["plugins"][0]["step_count"].get<int>() > 0);

  Run none = Chimp({"plugins", "list"});
  CHECK(none.code == 2);
}

TEST_CASE("create: validates the name, the versions and the directory") {
  const fs::path dir = fs::temp_directory_path() / ("chimp_create_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  CHECK(Chimp({"create", "bad name!", "--to", "1.0.0", "--dir", dir.string()}).code == 2);
  CHECK(Chimp({"create", "shop", "--to", "1.x", "--dir", dir.string()}).code == 2);
  Run down = Chimp({"create", "shop", "--from", "2.0", "--to", "1.0", "--dir", dir.string()});
  CHECK(down.code == 2);
  CHECK(Contains(down.err, "is not below"));
  CHECK(!fs::exists(dir));

  Run ok = Chimp({"create", "shop", "--from", "1.0.0", "--to", "1.1.0", "--dir", dir.string()});
  INFO(ok.out << ok.err);
  REQUIRE(ok.code == 0);
  CHECK(fs::exists(dir / "CMakeLists.txt"));
  CHECK(fs::exists(dir / "sql" / "V1.1.0__shop.sql"));
  const std::string source = Slurp(dir / "src" / "plugin.cpp");
  CHECK(Contains(source, "plugin.Edge(\"1.0.0\", \"1.1.0\""));
  CHECK(Contains(source, "EmbeddedSql(\"V1.1.0__shop.sql\")"));
  CHECK(!Contains(source, "@@"));
  CHECK(Contains(Slurp(dir / "CMakeLists.txt"), "find_package(chimp"));

  Run again = Chimp({"create", "shop", "--to", "1.1.0", "--dir", dir.string()});
  CHECK(again.code == 2);
  CHECK(Contains(again.err, "not empty"));
  fs::remove_all(dir);

  // --format json: a document of what was made (issue 14.2); a format
  // create does not know is refused before anything is written.
  Run dot = Chimp({"create", "shop", "--to", "1.0.0", "--dir", dir.string(), "--format", "dot"});
  CHECK(dot.code == 2);
  CHECK(Contains(dot.err, "'create' does not support --format dot"));
  CHECK(!fs::exists(dir));
  Run json = Chimp({"create", "shop", "--to", "1.0.0", "--dir", dir.string(), "--format", "json"});
  INFO(json.out << json.err);
  REQUIRE(json.code == 0);
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  CHECK(doc["plugin"] == "shop");
  CHECK(doc["from_version"] == "");
  CHECK(doc["to_version"] == "1.0.0");
  CHECK(doc["files"].size() > 3);
  CHECK(fs::exists(dir / "CMakeLists.txt"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
