// The descriptor cache (core/src/plugin/descriptor_cache.hpp): a descriptor
// round-trips through its encoding field for field; a stored entry is
// found again under its key only; an entry or directory others may read,
// a garbled or truncated entry, or one of another key is not used.
#include "plugin/descriptor_cache.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ctime>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "chimp/loader.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;
using internal::DecodeDescriptor;
using internal::DescriptorCache;
using internal::EncodeDescriptor;

std::string Fixture(const std::string& name) {
  return fs::canonical(fs::path(CHIMP_TEST_PLUGIN_DIR) / name / (name + ".so")).string();
}

void CheckSameStep(const Step& a, const Step& b) {
  INFO(a.id);
  CHECK(a.id == b.id);
  CHECK(a.description == b.description);
  CHECK(a.kind == b.kind);
  CHECK(a.phase == b.phase);
  CHECK(a.has_ddl == b.has_ddl);
  CHECK(a.idempotent == b.idempotent);
  CHECK(a.sql == b.sql);
  CHECK(a.source == b.source);
  CHECK(a.checksum == b.checksum);
  CHECK(a.proposed_at == b.proposed_at);
  CHECK((a.run != nullptr) == (b.run != nullptr));
  CHECK(b.user == nullptr);
  CHECK(a.dialect == b.dialect);
  CHECK(a.database == b.database);
  CHECK(a.session_sql == b.session_sql);
  CHECK(a.warnings_fatal == b.warnings_fatal);
}

void CheckSame(const LoadedPlugin& a, const LoadedPlugin& b) {
  CHECK(a.info->file == b.info->file);
  CHECK(a.info->name == b.info->name);
  CHECK(a.info->version == b.info->version);
  CHECK(a.info->description == b.info->description);
  CHECK(a.info->abi_major == b.info->abi_major);
  CHECK(a.info->abi_minor == b.info->abi_minor);
  CHECK(a.info->min_host_minor == b.info->min_host_minor);
  CHECK(a.info->session_sql == b.info->session_sql);
  CHECK(a.info->legacy_version_query == b.info->legacy_version_query);
  CHECK(a.info->rerunnable_calls == b.info->rerunnable_calls);
  REQUIRE(a.edges.size() == b.edges.size());
  for (size_t i = 0; i < a.edges.size(); ++i) {
    CHECK(a.edges[i].Name() == b.edges[i].Name());
    CHECK(a.edges[i].from.ToString() == b.edges[i].from.ToString());
    CHECK(a.edges[i].to.ToString() == b.edges[i].to.ToString());
    CHECK(a.edges[i].description == b.edges[i].description);
    CHECK(b.edges[i].plugin == b.info);
    REQUIRE(a.edges[i].steps.size() == b.edges[i].steps.size());
    for (size_t j = 0; j < a.edges[i].steps.size(); ++j) CheckSameStep(a.edges[i].steps[j], b.edges[i].steps[j]);
  }
  REQUIRE(a.repeatables.size() == b.repeatables.size());
  for (size_t i = 0; i < a.repeatables.size(); ++i) {
    CHECK(a.repeatables[i].when == b.repeatables[i].when);
    CHECK(b.repeatables[i].plugin == b.info);
    REQUIRE(b.repeatables[i].edge != nullptr);
    CHECK(b.repeatables[i].edge->description == "repeatable");
    CheckSameStep(a.repeatables[i].step, b.repeatables[i].step);
  }
}

LoadedPlugin Load(const std::string& fixture) {
  auto loaded = LoadPlugin(Fixture(fixture));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  return std::move(loaded).value();
}

TEST_CASE("descriptor cache: every field of a descriptor round-trips through the encoding") {
  for (const char* fixture : {"good", "abi_1_1", "v1_0_frozen"}) {
    INFO(fixture);
    const LoadedPlugin plugin = Load(fixture);
    const std::string payload = EncodeDescriptor(plugin);
    auto decoded = DecodeDescriptor(payload, plugin.info->file);
    REQUIRE(decoded.has_value());
    CheckSame(plugin, *decoded);
    CHECK(EncodeDescriptor(*decoded) == payload);
    // Cut anywhere, or with a byte more, it does not decode.
    for (size_t cut : {size_t{0}, size_t{1}, payload.size() / 2, payload.size() - 1}) {
      CHECK_FALSE(DecodeDescriptor(payload.substr(0, cut), plugin.info->file).has_value());
    }
    CHECK_FALSE(DecodeDescriptor(payload + "0", plugin.info->file).has_value());
  }
}

TEST_CASE("descriptor cache: a step with a function from the cache fails when run") {
  const LoadedPlugin plugin = Load("good");
  auto decoded = DecodeDescriptor(EncodeDescriptor(plugin), plugin.info->file);
  REQUIRE(decoded.has_value());
  const Step& native = decoded->edges.at(1).steps.at(1);
  REQUIRE(native.kind == StepKind::kNative);
  REQUIRE((native.run != nullptr));
  chimp_step_ctx ctx{};
  ctx.struct_size = sizeof ctx;
  CHECK(native.run(&ctx) == CHIMP_ERROR);
}

class CacheDir {
 public:
  CacheDir() {
    std::string templ = (fs::temp_directory_path() / "chimp_desc_test_XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    root_ = templ;
  }
  ~CacheDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string dir() const { return (root_ / "a" / "chimp").string(); }

 private:
  fs::path root_;
};

const std::string kKey(64, 'a');
const std::string kOtherKey(64, 'b');

TEST_CASE("descriptor cache: stored under a key, found under that key only, in a private directory") {
  CacheDir scratch;
  DescriptorCache cache(scratch.dir());
  const LoadedPlugin plugin = Load("good");
  CHECK_FALSE(cache.Find(kKey, plugin.info->file).has_value());
  cache.Store(kKey, plugin);
  const fs::path entry = fs::path(scratch.dir()) / (kKey + ".desc");
  REQUIRE(fs::exists(entry));
  CHECK((fs::status(entry).permissions() & fs::perms::all) == fs::perms(0600));
  CHECK((fs::status(scratch.dir()).permissions() & fs::perms::all) == fs::perms(0700));
  auto found = cache.Find(kKey, "/elsewhere/good.so");
  REQUIRE(found.has_value());
  CHECK(found->info->file == "/elsewhere/good.so");
  CHECK(EncodeDescriptor(*found) == EncodeDescriptor(plugin));
  CHECK_FALSE(cache.Find(kOtherKey, plugin.info->file).has_value());
  CHECK_FALSE(cache.Find("../x", plugin.info->file).has_value());
  // Another key's entry renamed into place: its header names its own key.
  fs::copy_file(entry, fs::path(scratch.dir()) / (kOtherKey + ".desc"));
  CHECK_FALSE(cache.Find(kOtherKey, plugin.info->file).has_value());
}

TEST_CASE("descriptor cache: an entry others may read, a garbled one or a shared directory is not used") {
  CacheDir scratch;
  DescriptorCache cache(scratch.dir());
  const LoadedPlugin plugin = Load("good");
  cache.Store(kKey, plugin);
  const fs::path entry = fs::path(scratch.dir()) / (kKey + ".desc");
  REQUIRE(cache.Find(kKey, plugin.info->file).has_value());

  fs::permissions(entry, fs::perms(0640));
  CHECK_FALSE(cache.Find(kKey, plugin.info->file).has_value());
  fs::permissions(entry, fs::perms(0600));
  REQUIRE(cache.Find(kKey, plugin.info->file).has_value());

  fs::permissions(scratch.dir(), fs::perms(0755));
  CHECK_FALSE(cache.Find(kKey, plugin.info->file).has_value());
  cache.Store(kOtherKey, plugin);  // not written into a shared directory
  CHECK_FALSE(fs::exists(fs::path(scratch.dir()) / (kOtherKey + ".desc")));
  fs::permissions(scratch.dir(), fs::perms(0700));

  std::stringstream text;
  text << std::ifstream(entry, std::ios::binary).rdbuf();
  std::string garbled = text.str();
  garbled[garbled.size() - 3] ^= 0x20;
  std::ofstream(entry, std::ios::binary | std::ios::trunc) << garbled;
  CHECK_FALSE(cache.Find(kKey, plugin.info->file).has_value());
  fs::resize_file(entry, 30);
  CHECK_FALSE(cache.Find(kKey, plugin.info->file).has_value());
  cache.Store(kKey, plugin);  // a full load replaces it
  CHECK(cache.Find(kKey, plugin.info->file).has_value());
}

TEST_CASE("descriptor cache: a digest is remembered with the file's identity, and only once its ctime is 2 s old") {
  CacheDir scratch;
  DescriptorCache cache(scratch.dir());
  struct stat st {};
  st.st_dev = 1;
  st.st_ino = 2;
  st.st_size = 3;
  st.st_mtim.tv_sec = 1000;
  st.st_ctim.tv_sec = 1000;
  cache.RememberDigest("/p/a.so", st, kKey);
  CHECK(cache.KnownDigest("/p/a.so", st) == kKey);
  CHECK_FALSE(cache.KnownDigest("/p/b.so", st).has_value());
  for (int field = 0; field < 5; ++field) {
    struct stat other = st;
    if (field == 0) other.st_dev = 9;
    if (field == 1) other.st_ino = 9;
    if (field == 2) other.st_size = 9;
    if (field == 3) other.st_mtim.tv_nsec = 1;
    if (field == 4) other.st_ctim.tv_nsec = 1;
    INFO(field);
    CHECK_FALSE(cache.KnownDigest("/p/a.so", other).has_value());
  }
  struct stat young = st;
  young.st_ino = 7;
  young.st_ctim.tv_sec = time(nullptr);
  cache.RememberDigest("/p/young.so", young, kKey);
  CHECK_FALSE(cache.KnownDigest("/p/young.so", young).has_value());
}

}  // namespace
}  // namespace chimp
