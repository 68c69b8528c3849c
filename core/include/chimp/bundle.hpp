// Release bundles: what an operator installs per release.
//
// A bundle is a directory holding plugin files (*.so) and a manifest,
// bundle.toml, that names the application and release, the lowest engine
// and ABI versions the plugins need, and every plugin file with its
// SHA-256; optionally bundle.toml.sig beside it, a detached Ed25519
// signature of the manifest's bytes. doc/plugins.md "Release bundles"
// documents the format; the operator's side is in doc/operations.md.
//
// Discovery (chimp/loader.hpp) verifies a bundle before any of its plugin
// code runs. A plugin directory is either a bundle itself, or a plain
// directory whose *.so files are loose plugins and whose immediate
// subdirectories holding a bundle.toml are bundles: release bundles side by
// side (plugins/4.20/, plugins/4.21/) form one graph.
//
// All functions are [main-thread].
#ifndef CHIMP_BUNDLE_HPP_
#define CHIMP_BUNDLE_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp {

// The manifest's file name, and its signature's.
inline constexpr const char* kBundleManifest = "bundle.toml";
inline constexpr const char* kBundleSignature = "bundle.toml.sig";

// One plugin file of a bundle.
struct BundleFile {
  std::string file;     // its name inside the bundle directory
  std::string sha256;   // 64 lower-case hex digits of the file's bytes
  uint64_t size = 0;    // bytes
  std::string name;     // the plugin's name, version and ABI, as loaded at
  std::string version;  //   create time (informative: the hash is what
  std::string abi;      //   is checked), "" when unknown
};

// bundle.toml, as read or written.
struct BundleManifest {
  int64_t format = 1;
  std::string application;         // e.g. "cloudstack"; may be ""
  std::string release;             // a version, e.g. "4.20.0"
  std::string min_engine_version;  // the lowest chimp that may load it
  std::string min_abi;             // "<major>.<minor>": the ABI the host must speak
  std::string created_by;          // "chimp <version>"
  std::string signed_by;           // the signing key's fingerprint, "" = unsigned
  std::vector<BundleFile> files;   // sorted by file name
};

// What verifying a bundle found. Only a bundle that verified is reported:
// every failure is a Status.
struct BundleReport {
  std::string dir;  // canonical
  BundleManifest manifest;
  // "verified" (a trusted key's signature matches), "not checked" (signed,
  // but no trusted keys are configured) or "unsigned".
  std::string signature;
  std::string key_fingerprint;  // the key that verified it; else signed_by
  std::string key_file;         // the trusted key file that verified it
};

// True when `dir` holds a bundle.toml.
bool IsBundle(const std::string& dir);

// The bundles of the plugin directory `dir`: `dir` itself when it is one,
// else its immediate subdirectories that are, sorted by path. Reads only
// directory entries.
std::vector<std::string> BundlesIn(const std::string& dir);

// Verifies the bundle in `dir` under `trust` (options.hpp), reading every
// file once and no plugin code:
//   - bundle.toml parses (format 1) and names a release;
//   - the signature: with trusted keys, bundle.toml.sig must exist and be
//     the signature of bundle.toml by one of them (the manifest's
//     signed_by, when given, must be a trusted key's fingerprint); without
//     keys, an unsigned bundle is accepted unless trust.require_signature;
//   - this engine is min_engine_version or later and speaks min_abi (same
//     major, minor at least as high);
//   - every listed file exists and has the listed SHA-256, and every *.so
//     in `dir` is listed.
// Each refusal is a PluginError naming the file and both values (expected
// and actual hash, the key fingerprints, the needed and actual engine
// version). A trusted key file that is missing or holds no Ed25519 public
// key is NotFound / InvalidArgument (configuration).
Result<BundleReport> VerifyBundle(const std::string& dir, const BundleTrust& trust);

// What `chimp bundle create` writes.
struct BundleRequest {
  std::string dir;          // the built plugins; bundle.toml is written there
  std::string application;  // Default: "" (none)
  std::string release;      // REQUIRES: a version
  // Default: "" = this engine's version.
  std::string min_engine_version;
  // PEM file of an Ed25519 private key: also write bundle.toml.sig.
  // Default: "" (unsigned; a stale bundle.toml.sig is removed).
  std::string signing_key;
  // Each plugin is loaded in a child process (VerifyPlugin) to learn its
  // name, version and ABI, and killed after this long.
  std::chrono::seconds timeout{60};
};

// Writes bundle.toml (and bundle.toml.sig) for every *.so in request.dir,
// replacing what was there. A plugin that does not verify statically
// (chimp/verify.hpp) is a PluginError and nothing is written. min_abi is the
// plugins' ABI major and the highest min_host_minor among them. The files
// are written whole or not at all (a temporary file renamed).
Result<BundleReport> CreateBundle(const BundleRequest& request);

}  // namespace chimp

#endif  // CHIMP_BUNDLE_HPP_
