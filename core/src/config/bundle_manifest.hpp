// bundle.toml as text: the TOML adapter for release manifests (toml++ is
// included only under config/, STYLE.md rule 4). The format is documented in
// doc/plugins.md "Release bundles".
#ifndef CHIMP_CONFIG_BUNDLE_MANIFEST_HPP_
#define CHIMP_CONFIG_BUNDLE_MANIFEST_HPP_

#include <string>

#include "chimp/bundle.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// Parses the manifest text read from `path` (named in every error, with the
// line). Unknown keys, a missing release or file entry field, a sha256 that
// is not 64 hex digits, a file name with a '/' and a file listed twice are
// PluginErrors. Files come back sorted by name.
Result<BundleManifest> ParseBundleManifest(const std::string& text, const std::string& path);

// The manifest as TOML, deterministic (the same manifest gives the same
// bytes, so a rebuild that changes no plugin changes no signature).
// ParseBundleManifest(FormatBundleManifest(m)) == m for a valid m.
std::string FormatBundleManifest(const BundleManifest& manifest);

}  // namespace chimp::internal

#endif  // CHIMP_CONFIG_BUNDLE_MANIFEST_HPP_
