// What discovery asks of release bundles (chimp/bundle.hpp holds the public
// part): which directories of a plugin directory to scan, each bundle among
// them verified first, and the digests the verified files had, so that the
// loader can check that the bytes it opens are the bytes verified.
//
// [main-thread], like discovery.
#ifndef CHIMP_PLUGIN_BUNDLE_HPP_
#define CHIMP_PLUGIN_BUNDLE_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/bundle.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// The directories whose *.so files discovery lists for the plugin directory
// `dir`: `dir` itself, then every immediate subdirectory holding a
// bundle.toml, in name order. Each bundle among them (`dir` too, when it is
// one) is verified under `trust` first (VerifyBundle; its errors are
// returned), and an unsigned one accepted without keys is logged once, at
// info level. With trust.SignatureRequired(), a *.so directly in a `dir`
// that is not a bundle is a PluginError naming it. A `dir` that is not a
// directory is returned as it is, for the scan to report.
Result<std::vector<std::string>> BundleScanList(const std::string& dir, const BundleTrust& trust);

// The SHA-256 (hex) that the bundle verified for the file at canonical path
// `file` in this process, or nullopt when no bundle listed it.
std::optional<std::string> BundledDigest(const std::string& file);

// Ok when `file` (canonical) came from no verified bundle, or when `bytes`
// hash to what its bundle verified; else a PluginError naming the file and
// both hashes. For the loader: call it on the very bytes it is about to map
// (its private copy), so that a file replaced after discovery is refused.
Status CheckBundledBytes(const std::string& file, std::string_view bytes);

}  // namespace chimp::internal

#endif  // CHIMP_PLUGIN_BUNDLE_HPP_
