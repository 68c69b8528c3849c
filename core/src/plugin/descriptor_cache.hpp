// The descriptor cache (private to core; used by core/src/plugin/loader.cpp
// and the engine's planning load, core/src/engine/engine.cpp).
//
// What a plugin's entry returns is a pure function of the plugin file's
// bytes (plugin_abi.h: the entry is cheap and pure, and chimp already
// refuses a plugin whose descriptor differs between its trial and its real
// load). So once a file's bytes were loaded the full way (trusted, checked
// against its bundle, tried in a child, loaded, its descriptor copied and
// validated), the copied descriptor can be kept under the SHA-256 of those
// bytes, and a later run that reads the same bytes can plan without running
// any of the plugin's code. A file with other bytes has another hash and is
// loaded the full way again.
//
// Where: $CHIMP_DESCRIPTOR_CACHE when set ("off" turns the cache off), else
// $XDG_CACHE_HOME/chimp when XDG_CACHE_HOME is an absolute path, else
// $HOME/.cache/chimp. The directory is made with mode 0700; one file per
// plugin build, <sha256>.desc, mode 0600, written to a temporary name and
// renamed; beside them <sha256 of the path>.stat, the digest last computed
// for a plugin path with the file's identity then (KnownDigest). A
// directory or file not owned by the running user, or that group
// or others may read or write, is not used at all; a file whose header
// (format, engine version, ABI, the key) or payload digest does not match is
// ignored (and replaced on the next full load). Nothing here is an error:
// a cache that cannot be used means a full load, as without it.
//
// [main-thread], like the loader.
#ifndef CHIMP_PLUGIN_DESCRIPTOR_CACHE_HPP_
#define CHIMP_PLUGIN_DESCRIPTOR_CACHE_HPP_

#include <sys/stat.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chimp/loader.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

class DescriptorCache {
 public:
  // The cache the environment names (see above), or nullopt when it is
  // turned off or no directory can be named.
  static std::optional<DescriptorCache> FromEnvironment();
  explicit DescriptorCache(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // The descriptor stored for a file whose bytes hash to `sha256`, with
  // PluginInfo::file set to `file`; nullopt when there is none or it cannot
  // be trusted (see above). Steps with a function get a stand-in that fails
  // with an error saying the plugin's code is not loaded: a cached
  // descriptor is for planning only.
  std::optional<LoadedPlugin> Find(const std::string& sha256, const std::string& file) const;

  // Keeps `plugin`'s descriptor under `sha256` (best effort; failures are
  // ignored). REQUIRES: `plugin` was loaded the full way from bytes hashing
  // to `sha256`.
  void Store(const std::string& sha256, const LoadedPlugin& plugin) const;

  // The SHA-256 recorded for the file at canonical path `file` when `st`
  // (fstat of the file opened now) still has the device, inode, size,
  // modification and status-change times it had when its bytes were
  // hashed; nullopt otherwise. Rationale: hashing every plugin's bytes on
  // every run costs more than the rest of a no-op (about 15 ms for 30
  // plugins of 0.7 MB); any write to a file, a rename onto it or a chmod
  // moves its ctime, which no user can set back.
  std::optional<std::string> KnownDigest(const std::string& file, const struct stat& st) const;
  // Records that the bytes read from `file`, whose fstat was `st`, hash to
  // `sha256`. Not recorded while the file's ctime is less than 2 s old: a
  // write in the same clock tick would leave ctime unchanged (git's "racy
  // clean" rule).
  void RememberDigest(const std::string& file, const struct stat& st, const std::string& sha256) const;

 private:
  std::string dir_;
};

// The encoding of a descriptor, round-tripped by DecodeDescriptor (for the
// cache and its unit test). Everything of LoadedPlugin except
// PluginInfo::file and the function pointers (Step::run, Step::user).
std::string EncodeDescriptor(const LoadedPlugin& plugin);
std::optional<LoadedPlugin> DecodeDescriptor(const std::string& payload, const std::string& file);

// How a load uses the cache.
enum class DescriptorCacheUse {
  kNone,          // neither read nor write it (chimp::LoadPlugins)
  kStore,         // load every plugin, and store what was loaded
  kFindAndStore,  // take what it holds (no plugin code runs for those), load and store the rest
};

// chimp::LoadPlugins, with the cache of the environment used as `use` says;
// the files (canonical) in `must_load` are loaded the full way even with
// kFindAndStore. Trust, bundle and check_bytes checks run on every file
// whatever `use`.
Result<std::vector<LoadedPlugin>> LoadPluginsWithCache(const std::vector<std::string>& dirs,
                                                       const PluginLoadOptions& options, DescriptorCacheUse use,
                                                       const std::set<std::string>& must_load = {});

// Whether the code of the plugin file `file` (canonical) is loaded in this
// process (false: its descriptor, if any, came from the cache).
bool CodeLoaded(const std::string& file);

}  // namespace chimp::internal

#endif  // CHIMP_PLUGIN_DESCRIPTOR_CACHE_HPP_
