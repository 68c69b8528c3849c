// CreateBundle (chimp/bundle.hpp): the manifest of built plugins, written
// by a release build (`chimp bundle create`).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "chimp/bundle.hpp"
#include "chimp/verify.hpp"
#include "chimp/version.hpp"
#include "config/bundle_manifest.hpp"
#include "util/sha256.hpp"
#include "util/signature.hpp"

namespace chimp {
namespace {

namespace fs = std::filesystem;

// Writes `bytes` to `path` whole or not at all: a temporary file beside it, renamed.
Status WriteWhole(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return Status::InvalidArgument("cannot write '" + tmp.string() + "'");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::InvalidArgument("cannot write '" + path.string() + "': " + ec.message());
  return Status::Ok();
}

// One plugin file: loaded in a child to learn what it is, then hashed.
Result<BundleFile> DescribePlugin(const fs::path& path, std::chrono::seconds timeout, uint32_t* abi_major,
                                  uint32_t* min_host_minor) {
  VerifyOptions options;
  options.timeout = timeout;
  CHIMP_ASSIGN_OR_RETURN(VerifyReport report, VerifyPlugin(path.string(), options));
  if (!report.ok()) {
    return Status::PluginError("not bundling '" + path.string() + "': " + report.problems.front().message);
  }
  if (*abi_major != 0 && report.abi_major != *abi_major) {
    return Status::PluginError("not bundling '" + path.string() + "': it is built for ABI major " +
                               std::to_string(report.abi_major) + ", the other plugins for " +
                               std::to_string(*abi_major));
  }
  *abi_major = report.abi_major;
  *min_host_minor = std::max(*min_host_minor, report.min_host_minor);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return Status::PluginError("cannot read '" + path.string() + "'");
  BundleFile f;
  f.file = path.filename().string();
  f.sha256 = internal::Sha256Hex(bytes);
  f.size = bytes.size();
  f.name = report.name;
  f.version = report.version;
  f.abi = std::to_string(report.abi_major) + "." + std::to_string(report.abi_minor);
  return f;
}

Result<BundleManifest> ManifestOf(const BundleRequest& request, const fs::path& dir) {
  BundleManifest m;
  m.application = request.application;
  m.release = request.release;
  m.min_engine_version = request.min_engine_version.empty() ? CHIMP_ENGINE_VERSION : request.min_engine_version;
  m.created_by = std::string("chimp ") + CHIMP_ENGINE_VERSION;
  CHIMP_RETURN_IF_ERROR(Version::Parse(m.release, "--release").status());
  CHIMP_RETURN_IF_ERROR(Version::Parse(m.min_engine_version, "--min-engine").status());
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".so" && fs::is_regular_file(it->path(), ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument("bundle '" + dir.string() + "': no plugin files (*.so) in it");
  uint32_t abi_major = 0, min_host_minor = 0;
  for (const fs::path& file : files) {
    CHIMP_ASSIGN_OR_RETURN(BundleFile f, DescribePlugin(file, request.timeout, &abi_major, &min_host_minor));
    m.files.push_back(std::move(f));
  }
  m.min_abi = std::to_string(abi_major) + "." + std::to_string(min_host_minor);
  return m;
}

}  // namespace

Result<BundleReport> CreateBundle(const BundleRequest& request) {
  std::error_code ec;
  const fs::path dir = fs::canonical(request.dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    return Status::NotFound("bundle directory '" + request.dir + "' does not exist or is not a directory");
  }
  BundleReport report;
  report.dir = dir.string();
  CHIMP_ASSIGN_OR_RETURN(report.manifest, ManifestOf(request, dir));
  report.signature = "unsigned";
  if (!request.signing_key.empty()) {
    CHIMP_ASSIGN_OR_RETURN(internal::PublicKey key, internal::ReadPublicKey(request.signing_key));
    report.manifest.signed_by = key.fingerprint;
  }
  const std::string text = internal::FormatBundleManifest(report.manifest);
  if (request.signing_key.empty()) {
    fs::remove(dir / kBundleSignature, ec);  // a stale signature would not match
    CHIMP_RETURN_IF_ERROR(WriteWhole(dir / kBundleManifest, text));
    return report;
  }
  CHIMP_ASSIGN_OR_RETURN(std::string signature,
                         internal::SignEd25519(request.signing_key, text, &report.key_fingerprint));
  CHIMP_RETURN_IF_ERROR(WriteWhole(dir / kBundleManifest, text));
  CHIMP_RETURN_IF_ERROR(WriteWhole(dir / kBundleSignature, signature));
  report.signature = "signed";
  report.key_file = request.signing_key;
  return report;
}

}  // namespace chimp
