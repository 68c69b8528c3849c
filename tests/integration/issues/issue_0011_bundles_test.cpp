// Issue 11, item 1 (release bundles), with the cases of item 5, on the real
// server through the chimp binary: bundles side by side form one graph; an
// unsigned bundle where keys are configured, a tampered plugin file or
// manifest, a wrong key, a file not in the manifest and an engine too old are
// refused with exit 3, naming the file and both values, before any plugin
// code runs and before anything is written to the database.
//
// The keys are made at test time with the openssl command, as an operator
// would make them (doc/plugins.md "Release bundles").
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"
#include "util/sha256.hpp"

#if defined(CHIMP_BINARY) && defined(CHIMP_SAMPLE_MIGRATIONS_DIR)

namespace chimp {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::ChimpOnServer;
using test::Contains;

// An Ed25519 key pair made with openssl: <dir>/<name>.pem and <name>.pub.pem.
struct KeyPair {
  std::string key;
  std::string pub;
  KeyPair(const fs::path& dir, const std::string& name)
      : key((dir / (name + ".pem")).string()), pub((dir / (name + ".pub.pem")).string()) {
    REQUIRE(test::RunCli("/usr/bin/openssl", {"genpkey", "-algorithm", "ed25519", "-out", key}).code == 0);
    REQUIRE(test::RunCli("/usr/bin/openssl", {"pkey", "-in", key, "-pubout", "-out", pub}).code == 0);
  }
  // "sha256:<hex>" of the public key's DER, as `openssl pkey -pubin -outform DER | sha256sum` prints.
  std::string Fingerprint() const {
    const std::string der = (fs::path(pub).parent_path() / "der.tmp").string();
    REQUIRE(test::RunCli("/usr/bin/openssl", {"pkey", "-pubin", "-in", pub, "-outform", "DER", "-out", der}).code == 0);
    return "sha256:" + internal::Sha256Hex(test::Slurp(der));
  }
};

// Two release bundles of the sample application side by side under
// <root>/plugins: 1.1/ (1.0.0 and 1.1.0) and 2.0/ (1.1.1 and 2.0.0).
struct Releases {
  // In the build tree, not under /tmp: plugin directories must not sit
  // below a directory others may write.
  test::ScratchDir scratch{"bundles_", fs::path(CHIMP_TEST_PLUGIN_DIR).parent_path() / "issue_0011", fs::perms(0755)};
  fs::path plugins = scratch.path() / "plugins";
  fs::path old_release = plugins / "1.1";
  fs::path new_release = plugins / "2.0";

  Releases() {
    for (const auto& [dir, files] : std::vector<std::pair<fs::path, std::vector<std::string>>>{
             {old_release, {"sample_1_0_0.so", "sample_1_1_0.so"}},
             {new_release, {"sample_1_1_1.so", "sample_2_0_0.so"}}}) {
      fs::create_directories(dir);
      for (const std::string& f : files) fs::copy_file(fs::path(CHIMP_SAMPLE_MIGRATIONS_DIR) / f, dir / f);
    }
  }
  // `chimp bundle create` on both, signed with `key` ("" = unsigned).
  void Create(const std::string& key = "") {
    for (const auto& [dir, release] : {std::pair{old_release, "1.1.0"}, std::pair{new_release, "2.0.0"}}) {
      std::vector<std::string> args = {"bundle", "create",        dir.string(), "--release",
                                       release,  "--application", "library"};
      if (!key.empty()) args.insert(args.end(), {"--sign", key});
      test::CliRun r = test::Chimp(args);
      INFO("stderr: " << r.err);
      REQUIRE(r.code == 0);
    }
  }
};

struct Target : test::Target {
  using test::Target::Target;
  test::CliRun Migrate(const fs::path& plugins, const std::vector<std::string>& more = {}) const {
    return ChimpOnServer(
        Args({{"migrate", "-d", db, "--changelog-schema", changelog, "--plugins", plugins.string()}, more}));
  }
  // Nothing was written: no changelog schema.
  bool Untouched() const { return test::SchemaCount(changelog) == "0"; }
};

std::string ManifestHash(const fs::path& dir, const std::string& file) {
  const std::string manifest = test::Slurp((dir / "bundle.toml").string());
  const size_t at = manifest.find("file = '" + file + "'");
  REQUIRE(at != std::string::npos);
  const size_t hash = manifest.find("sha256 = '", at);
  return manifest.substr(hash + 10, 64);
}

void Append(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << bytes;
}

TEST_CASE("issue 11.1: signed release bundles side by side form one graph and migrate") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  r.Create(release_key.key);
  CHECK(fs::exists(r.new_release / "bundle.toml.sig"));

  test::CliRun verify = ChimpOnServer({"bundle", "verify", r.plugins.string(), "--trusted-key", release_key.pub});
  CHECK(verify.code == 0);
  CHECK(Contains(verify.out, "ok    " + r.old_release.string() + "  library release 1.1.0, 2 plugin files"));
  CHECK(Contains(verify.out, "ok    " + r.new_release.string() + "  library release 2.0.0, 2 plugin files"));
  CHECK(Contains(verify.out, "signature verified: key " + release_key.Fingerprint()));

  Target t("i11_side_by_side");
  test::CliRun migrate = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(migrate.code == 0);
  CHECK(test::CurrentVersion(test::OptionsFor(t.db, r.plugins.string())) == test::V("2.0.0"));
}

TEST_CASE("issue 11.1: an unsigned bundle is refused when keys are configured, and loads with a notice without") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  r.Create();
  Target t("i11_unsigned");
  test::CliRun refused = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(refused.code == 3);
  CHECK(Contains(refused.err, "bundle '" + r.old_release.string() + "' is not signed: '" +
                                  (r.old_release / "bundle.toml.sig").string() + "' does not exist"));
  CHECK(Contains(refused.err, release_key.Fingerprint()));
  CHECK(t.Untouched());

  test::CliRun accepted = t.Migrate(r.plugins);
  CHECK(accepted.code == 0);
  CHECK(Contains(accepted.err, "bundle '" + r.new_release.string() + "' (library release 2.0.0): unsigned"));
}

TEST_CASE("issue 11.1: require_signature without keys refuses every bundle") {
  Releases r;
  r.Create();
  const fs::path config = r.scratch.path() / "chimp.toml";
  std::ofstream(config) << "[plugins]\nrequire_signature = true\n";
  Target t("i11_require");
  test::CliRun refused = t.Migrate(r.plugins, {"--config", config.string()});
  CHECK(refused.code == 3);
  CHECK(Contains(refused.err, "require_signature is set, but no trusted keys are configured"));
  CHECK(t.Untouched());
}

TEST_CASE("issue 11.5: a tampered plugin file is refused before its code runs, naming both hashes") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  r.Create(release_key.key);
  // The listed file replaced by one that crashes when it is opened: had it
  // been loaded, chimp would die of SIGSEGV.
  const fs::path victim = r.new_release / "sample_2_0_0.so";
  const std::string expected = ManifestHash(r.new_release, "sample_2_0_0.so");
  fs::copy_file(test::FixtureDir("static_ctor_crash") + "/static_ctor_crash.so", victim,
                fs::copy_options::overwrite_existing);
  const std::string actual = internal::Sha256Hex(test::Slurp(victim.string()));

  const std::string message = "plugin file '" + victim.string() + "' does not match '" +
                              (r.new_release / "bundle.toml").string() + "': sha256 expected " + expected +
                              ", actual " + actual;
  test::CliRun verify = ChimpOnServer({"bundle", "verify", r.new_release.string(), "--trusted-key", release_key.pub});
  CHECK(verify.code == 3);
  CHECK(Contains(verify.err, message));

  Target t("i11_tampered_file");
  test::CliRun migrate = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(migrate.signal == 0);
  CHECK(migrate.code == 3);
  CHECK(Contains(migrate.err, message));
  CHECK(t.Untouched());
  // Without keys the hashes are checked all the same.
  CHECK(t.Migrate(r.plugins).code == 3);
}

TEST_CASE("issue 11.5: a manifest changed after signing is refused") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  r.Create(release_key.key);
  Append(r.old_release / "bundle.toml", "# edited\n");
  Target t("i11_tampered_manifest");
  test::CliRun migrate = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(migrate.code == 3);
  CHECK(Contains(migrate.err, "bundle signature '" + (r.old_release / "bundle.toml.sig").string() +
                                  "' does not match '" + (r.old_release / "bundle.toml").string() + "' for key " +
                                  release_key.Fingerprint()));
  CHECK(Contains(migrate.err, "changed after signing"));
  CHECK(t.Untouched());
}

TEST_CASE("issue 11.5: a bundle signed by a key that is not trusted is refused, naming both keys") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  KeyPair other_key(r.scratch.path(), "other");
  r.Create(other_key.key);
  Target t("i11_wrong_key");
  test::CliRun migrate = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(migrate.code == 3);
  CHECK(Contains(migrate.err, "is signed by key " + other_key.Fingerprint() + ", which is not trusted (trusted: " +
                                  release_key.Fingerprint() + " (" + release_key.pub + "))"));
  CHECK(t.Untouched());
  // The right key in the config file loads it.
  const fs::path config = r.scratch.path() / "chimp.toml";
  std::ofstream(config) << "[plugins]\ntrusted_keys = [\"other.pub.pem\"]\n";
  CHECK(t.Migrate(r.plugins, {"--config", config.string()}).code == 0);
}

TEST_CASE("issue 11.5: a plugin file not in the manifest is refused, and so are loose plugins under keys") {
  Releases r;
  KeyPair release_key(r.scratch.path(), "release");
  r.Create(release_key.key);
  const fs::path extra = r.new_release / "good.so";
  fs::copy_file(test::FixtureDir("good") + "/good.so", extra);
  Target t("i11_extra_file");
  test::CliRun migrate = t.Migrate(r.plugins, {"--trusted-key", release_key.pub});
  CHECK(migrate.code == 3);
  CHECK(Contains(migrate.err,
                 "plugin file '" + extra.string() + "' is not in '" + (r.new_release / "bundle.toml").string() + "'"));
  CHECK(t.Untouched());

  test::CliRun loose = t.Migrate(test::FixtureDir("good"), {"--trusted-key", release_key.pub});
  CHECK(loose.code == 3);
  CHECK(Contains(loose.err, "plugin file '" + test::FixtureDir("good") + "/good.so' is not in a bundle"));
  CHECK(t.Untouched());
}

TEST_CASE("issue 11.5: a bundle that needs a newer engine is refused, naming both versions") {
  Releases r;
  test::CliRun created =
      test::Chimp({"bundle", "create", r.new_release.string(), "--release", "2.0.0", "--min-engine", "99.0.0"});
  REQUIRE(created.code == 0);
  test::CliRun verify = ChimpOnServer({"bundle", "verify", r.new_release.string(), "--format", "json"});
  CHECK(verify.code == 3);
  CHECK(Contains(verify.out, "\"ok\": false"));
  const std::string message = "bundle '" + (r.new_release / "bundle.toml").string() +
                              "' needs chimp 99.0.0 or later (min_engine_version); this is chimp " +
                              std::string(EngineVersion());
  CHECK(Contains(verify.out, message));
  Target t("i11_engine");
  test::CliRun migrate = t.Migrate(r.new_release);
  CHECK(migrate.code == 3);
  CHECK(Contains(migrate.err, message));
  CHECK(t.Untouched());
}

}  // namespace
}  // namespace chimp

#endif
