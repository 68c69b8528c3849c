#include "plugin/bundle.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "chimp/plugin_abi.h"
#include "chimp/verify.hpp"
#include "chimp/version.hpp"
#include "config/bundle_manifest.hpp"
#include "util/log.hpp"
#include "util/sha256.hpp"
#include "util/signature.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

// Canonical file -> sha256 of every file a bundle verified in this process.
struct DigestRegistry {
  std::mutex mu;
  std::map<std::string, std::string> digests;
  std::set<std::string> noticed;  // bundles whose notice was logged
};

DigestRegistry& Registry() {
  static DigestRegistry* registry = new DigestRegistry;
  return *registry;
}

// The bytes of `path`, read once; nullopt when it cannot be read.
std::optional<std::string> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) bytes.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  return bytes;
}

// The *.so files directly in `dir` (regular files, links followed), by name.
std::vector<std::string> PluginFilesIn(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".so" || !fs::is_regular_file(it->path(), ec)) continue;
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string KeyList(const std::vector<internal::PublicKey>& keys) {
  std::string out;
  for (const internal::PublicKey& k : keys) out += (out.empty() ? "" : ", ") + k.fingerprint + " (" + k.file + ")";
  return out;
}

// Checks bundle.toml's signature under `trust`; fills the report's signature fields.
Status CheckSignature(const fs::path& dir, const std::string& manifest_bytes, const BundleTrust& trust,
                      BundleReport* report) {
  const std::string manifest = (dir / kBundleManifest).string();
  const std::string sig_file = (dir / kBundleSignature).string();
  std::error_code ec;
  const bool has_sig = fs::exists(sig_file, ec);
  const std::string& signed_by = report->manifest.signed_by;
  if (trust.trusted_keys.empty()) {
    if (trust.require_signature) {
      return Status::PluginError("bundle '" + dir.string() +
                                 "': [plugins] require_signature is set, but no trusted keys are configured to check "
                                 "its signature with ([plugins] trusted_keys or --trusted-key KEY.pem)");
    }
    report->signature = has_sig ? "not checked" : "unsigned";
    report->key_fingerprint = signed_by;
    return Status::Ok();
  }
  std::vector<internal::PublicKey> keys;
  for (const std::string& file : trust.trusted_keys) {
    CHIMP_ASSIGN_OR_RETURN(internal::PublicKey key, internal::ReadPublicKey(file));
    keys.push_back(std::move(key));
  }
  if (!has_sig) {
    return Status::PluginError(
        "bundle '" + dir.string() + "' is not signed: '" + sig_file +
        "' does not exist, and only bundles signed by a trusted key are loaded (trusted: " + KeyList(keys) + ")");
  }
  std::vector<const internal::PublicKey*> candidates;
  for (const internal::PublicKey& k : keys) {
    if (signed_by.empty() || k.fingerprint == signed_by) candidates.push_back(&k);
  }
  if (candidates.empty()) {
    return Status::PluginError("bundle '" + dir.string() + "': '" + manifest + "' is signed by key " + signed_by +
                               ", which is not trusted (trusted: " + KeyList(keys) + ")");
  }
  std::optional<std::string> signature = ReadBytes(sig_file);
  if (!signature) return Status::PluginError("bundle signature '" + sig_file + "': cannot read it");
  for (const internal::PublicKey* k : candidates) {
    if (!internal::VerifyEd25519(*k, manifest_bytes, *signature)) continue;
    report->signature = "verified";
    report->key_fingerprint = k->fingerprint;
    report->key_file = k->file;
    return Status::Ok();
  }
  return Status::PluginError("bundle signature '" + sig_file + "' does not match '" + manifest + "' for " +
                             (signed_by.empty() ? "any trusted key (" + KeyList(keys) + ")"
                                                : "key " + signed_by + " (" + candidates.front()->file + ")") +
                             ": the manifest or its signature changed after signing");
}

// This engine is new enough for the manifest: min_engine_version and min_abi.
Status CheckEngine(const std::string& manifest, const BundleManifest& m) {
  CHIMP_ASSIGN_OR_RETURN(Version release, Version::Parse(m.release, manifest + " release"));
  (void)release;
  auto needed = Version::Parse(m.min_engine_version, manifest + " min_engine_version");
  if (!needed.ok()) return Status::PluginError(needed.status().message());
  CHIMP_ASSIGN_OR_RETURN(Version engine, Version::Parse(CHIMP_ENGINE_VERSION, "the engine version"));
  if (engine < *needed) {
    return Status::PluginError("bundle '" + manifest + "' needs chimp " + m.min_engine_version +
                               " or later (min_engine_version); this is chimp " CHIMP_ENGINE_VERSION
                               ": upgrade chimp before installing release " +
                               m.release);
  }
  unsigned major = 0, minor = 0;
  char dot = 0;
  std::istringstream abi(m.min_abi);
  if (!(abi >> major >> dot >> minor) || dot != '.' || !abi.eof()) {
    return Status::PluginError("bundle '" + manifest + "': min_abi '" + m.min_abi + "' is not <major>.<minor>");
  }
  if (major != CHIMP_ABI_MAJOR || minor > CHIMP_ABI_MINOR) {
    return Status::PluginError("bundle '" + manifest + "' needs plugin ABI " + m.min_abi +
                               " (min_abi); this chimp speaks ABI " + std::to_string(CHIMP_ABI_MAJOR) + "." +
                               std::to_string(CHIMP_ABI_MINOR));
  }
  return Status::Ok();
}

// Every *.so in `dir` is listed; every listed file has its hash. Records the digests.
Status CheckFiles(const fs::path& dir, const BundleManifest& m) {
  const std::string manifest = (dir / kBundleManifest).string();
  std::set<std::string> listed;
  for (const BundleFile& f : m.files) listed.insert(f.file);
  for (const std::string& name : PluginFilesIn(dir)) {
    if (listed.count(name) != 0) continue;
    return Status::PluginError("plugin file '" + (dir / name).string() + "' is not in '" + manifest +
                               "': a bundle loads only the files its manifest lists (remove the file, or "
                               "rebuild the bundle with chimp bundle create)");
  }
  std::map<std::string, std::string> verified;
  for (const BundleFile& f : m.files) {
    const fs::path path = dir / f.file;
    std::optional<std::string> bytes = ReadBytes(path);
    std::error_code ec;
    if (!bytes || !fs::is_regular_file(path, ec)) {
      return Status::PluginError("plugin file '" + path.string() + "' is listed in '" + manifest +
                                 "' but cannot be read (missing?)");
    }
    const std::string actual = internal::Sha256Hex(*bytes);
    if (actual != f.sha256) {
      return Status::PluginError("plugin file '" + path.string() + "' does not match '" + manifest +
                                 "': sha256 expected " + f.sha256 + ", actual " + actual);
    }
    verified[fs::canonical(path, ec).string()] = actual;
  }
  DigestRegistry& registry = Registry();
  std::lock_guard<std::mutex> lock(registry.mu);
  for (auto& [file, digest] : verified) registry.digests[file] = digest;
  return Status::Ok();
}

}  // namespace

bool IsBundle(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / kBundleManifest, ec);
}

std::vector<std::string> BundlesIn(const std::string& dir) {
  if (IsBundle(dir)) return {dir};
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (fs::is_directory(it->path(), ec) && IsBundle(it->path().string())) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<BundleReport> VerifyBundle(const std::string& dir, const BundleTrust& trust) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec) return Status::NotFound("bundle '" + dir + "': " + ec.message());
  const std::string manifest = (canonical / kBundleManifest).string();
  std::optional<std::string> bytes = ReadBytes(manifest);
  if (!bytes || !IsBundle(canonical.string())) {
    return Status::PluginError("bundle '" + canonical.string() + "': '" + manifest + "' cannot be read (missing?)");
  }
  BundleReport report;
  report.dir = canonical.string();
  CHIMP_ASSIGN_OR_RETURN(report.manifest, internal::ParseBundleManifest(*bytes, manifest));
  CHIMP_RETURN_IF_ERROR(CheckSignature(canonical, *bytes, trust, &report));
  CHIMP_RETURN_IF_ERROR(CheckEngine(manifest, report.manifest));
  CHIMP_RETURN_IF_ERROR(CheckFiles(canonical, report.manifest));
  return report;
}

namespace internal {

Result<std::vector<std::string>> BundleScanList(const std::string& dir, const BundleTrust& trust) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::vector<std::string>{dir};
  const bool is_bundle = IsBundle(dir);
  if (!is_bundle && trust.SignatureRequired()) {
    for (const std::string& name : PluginFilesIn(dir)) {
      return Status::PluginError("plugin file '" + (fs::path(dir) / name).string() +
                                 "' is not in a bundle, and only signed bundles are loaded ([plugins] "
                                 "trusted_keys / require_signature); install it as a bundle (chimp bundle create)");
    }
  }
  std::vector<std::string> bundles = BundlesIn(dir);
  for (const std::string& bundle : bundles) {
    CHIMP_ASSIGN_OR_RETURN(BundleReport report, VerifyBundle(bundle, trust));
    if (report.signature == "verified") continue;
    DigestRegistry& registry = Registry();
    std::lock_guard<std::mutex> lock(registry.mu);
    if (!registry.noticed.insert(report.dir).second) continue;
    Log(LogLevel::kInfo,
        "bundle '" + report.dir + "' (" + report.manifest.application +
            (report.manifest.application.empty() ? "" : " ") + "release " + report.manifest.release +
            "): " + (report.signature == "unsigned" ? std::string("unsigned") : "signature not checked") + "; its " +
            std::to_string(report.manifest.files.size()) +
            " plugin files match its manifest (no trusted keys configured: [plugins] trusted_keys)");
  }
  if (!is_bundle) bundles.insert(bundles.begin(), dir);
  return bundles;
}

std::optional<std::string> BundledDigest(const std::string& file) {
  DigestRegistry& registry = Registry();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.digests.find(file);
  if (it == registry.digests.end()) return std::nullopt;
  return it->second;
}

Status CheckBundledBytes(const std::string& file, std::string_view bytes) {
  std::optional<std::string> expected = BundledDigest(file);
  if (!expected) return Status::Ok();
  const std::string actual = Sha256Hex(bytes);
  if (actual == *expected) return Status::Ok();
  return Status::PluginError("plugin file '" + file + "' changed after its bundle was verified: sha256 expected " +
                             *expected + ", actual " + actual);
}

}  // namespace internal
}  // namespace chimp
