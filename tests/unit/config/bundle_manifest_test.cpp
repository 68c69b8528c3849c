#include "config/bundle_manifest.hpp"

#include <string>

#include <doctest/doctest.h>

namespace {

using chimp::BundleFile;
using chimp::BundleManifest;
using chimp::StatusCode;
using chimp::internal::FormatBundleManifest;
using chimp::internal::ParseBundleManifest;

const std::string kHash(64, 'a');

BundleManifest Sample() {
  BundleManifest m;
  m.application = "cloud \"stack\"";
  m.release = "4.20.0";
  m.min_engine_version = "0.1.0";
  m.min_abi = "1.1";
  m.created_by = "chimp 0.1.0";
  m.signed_by = "sha256:" + std::string(64, 'b');
  BundleFile a{"a.so", kHash, 10, "a", "4.20.0", "1.2"};
  BundleFile b{"b.so", std::string(64, 'c'), 0, "", "", ""};
  m.files = {a, b};
  return m;
}

bool Same(const BundleManifest& x, const BundleManifest& y) {
  if (x.files.size() != y.files.size()) return false;
  for (size_t i = 0; i < x.files.size(); ++i) {
    const BundleFile& f = x.files[i];
    const BundleFile& g = y.files[i];
    if (f.file != g.file || f.sha256 != g.sha256 || f.size != g.size || f.name != g.name || f.version != g.version ||
        f.abi != g.abi) {
      return false;
    }
  }
  return x.format == y.format && x.application == y.application && x.release == y.release &&
         x.min_engine_version == y.min_engine_version && x.min_abi == y.min_abi && x.created_by == y.created_by &&
         x.signed_by == y.signed_by;
}

}  // namespace

TEST_CASE("bundle manifest: round-trips, deterministically") {
  const BundleManifest m = Sample();
  const std::string text = FormatBundleManifest(m);
  auto parsed = ParseBundleManifest(text, "bundle.toml");
  REQUIRE(parsed.ok());
  CHECK(Same(*parsed, m));
  CHECK(FormatBundleManifest(*parsed) == text);
}

TEST_CASE("bundle manifest: files come back sorted by name") {
  BundleManifest m = Sample();
  std::swap(m.files[0], m.files[1]);
  auto parsed = ParseBundleManifest(FormatBundleManifest(m), "bundle.toml");
  REQUIRE(parsed.ok());
  CHECK(parsed->files.front().file == "a.so");
}

TEST_CASE("bundle manifest: errors name the file, the line and the field") {
  const std::string head = "format = 1\nrelease = \"1.0\"\nmin_engine_version = \"0.1\"\nmin_abi = \"1.0\"\n";
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"format = 2\n", "b.toml: format 2 is not known to this chimp"},
      {"format = 1\nmin_engine_version = \"0.1\"\nmin_abi = \"1.0\"\n", "'release' is missing"},
      {head + "colour = \"red\"\n", "b.toml:5: unknown key 'colour'"},
      {head + "[[plugin]]\nfile = \"a.so\"\nsha256 = \"xyz\"\n", "sha256 'xyz' is not 64 lower-case hex digits"},
      {head + "[[plugin]]\nfile = \"../a.so\"\nsha256 = \"" + kHash + "\"\n", "must be a file name inside"},
      {head + "[[plugin]]\nfile = \"a.so\"\nsha256 = \"" + kHash + "\"\n[[plugin]]\nfile = \"a.so\"\nsha256 = \"" +
           kHash + "\"\n",
       "plugin file 'a.so' is listed twice"},
      {head + "[[plugin]]\nsha256 = \"" + kHash + "\"\n", "'file' is missing"},
      {"release = [", "b.toml:1:"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseBundleManifest(c.text, "b.toml");
    INFO(c.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kPluginError);
    CHECK(parsed.status().message().find(c.message) != std::string::npos);
  }
}
