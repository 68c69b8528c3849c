// Plugin discovery and loading.
//
// A plugin is a shared object exporting chimp_plugin_entry (plugin_abi.h).
// Loading one runs its code with the rights of whoever runs chimp, usually
// the database administrator, so discovery refuses directories and files
// that others could have written.
//
// The loader opens each library, negotiates the ABI through the entry, copies
// every descriptor into the engine's own model (model.hpp), computes the SQL
// checksums itself and validates what the plugin declares. A library, once
// opened, stays loaded for the whole process: native steps keep pointers into
// it (Step::run, Step::user).
//
// Every error names the plugin file and the field at fault, e.g.
//   plugin '/srv/chimp/billing.so' edge #2 to_version: '4.19.x' is not a version (...)
//
// All functions are [main-thread]: call them from one thread at a time.
#ifndef CHIMP_LOADER_HPP_
#define CHIMP_LOADER_HPP_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/model.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp {

// How plugins are loaded (LoadPlugin, LoadPlugins).
struct PluginLoadOptions {
  // How long one plugin's trial load (its static constructors and
  // chimp_plugin_entry, in a child process) may take before it is killed
  // and the plugin refused (CHIMP_PLUGIN_LOAD_TIMEOUT). Default: 30 s.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Whether to load each plugin first in a child process (the trial). A
  // caller that is itself such a child (plugins verify's) sets false: its
  // own parent reports the crash. Default: true.
  bool trial = true;
  // Called with each plugin file (canonical) and the lower-case hex SHA-256
  // of the bytes chimp copied from it, before any code of it runs; an error
  // refuses the plugin with that error (e.g. a bundle manifest's hash
  // check). The bytes checked are the bytes loaded. Default: none.
  std::function<Status(const std::string& file, const std::string& sha256)> check_bytes;
  // The keys and rules release bundles are verified under (DiscoverPlugins);
  // a file a bundle lists must still have its verified bytes when copied.
  BundleTrust trust;
};

// Lists the *.so files directly inside each directory (not recursively),
// sorted by path and without duplicates (the same file reached twice, e.g.
// through a symlink or a repeated directory, is listed once). Paths are
// absolute and canonical.
//
// Refuses (PluginError) what others than root and the running user could
// have written (core/src/plugin/trust.hpp, doc/operations.md "Which plugin
// files chimp trusts"): a directory or a file owned by another user or
// writable by group or others, a directory above them (to `/`) likewise
// (a sticky world-writable one such as /tmp excepted), the target of a
// link likewise, and a link whose target does not exist. Each refusal names
// the path, its owner and its mode, e.g.
//   plugin directory '/x' is writable by others (mode 0777, owner root); refusing to load plugins from it
// A directory that does not exist is NotFound naming it; a path that is not
// a directory is InvalidArgument.
//
// Release bundles (chimp/bundle.hpp): a directory holding a bundle.toml is a
// bundle, and so is every immediate subdirectory of a directory that holds
// one. Each bundle is verified under `trust` (VerifyBundle) before its files
// are listed; its refusals are returned. With trust.SignatureRequired(), a
// *.so outside a bundle is refused.
Result<std::vector<std::string>> DiscoverPlugins(const std::vector<std::string>& dirs, const BundleTrust& trust = {});

// Loads one plugin file (it need not sit in a discovered directory; its
// owner and permissions are not checked here).
//
// The file's bytes are read once into a private sealed copy (a memfd);
// what is loaded is that copy, so a file replaced or truncated later changes
// nothing. The copy is loaded first in a child process, within
// options.timeout: a static constructor or entry that exits, aborts,
// crashes or hangs is a PluginError naming the file and what happened, e.g.
//   plugin '/p/x.so' crashed the process loading it: signal 11 (SIGSEGV, Segmentation fault)
// and only then in this process (its descriptor must be the same both times).
//
// Opens the library and keeps it open for the rest of the process, calls its
// entry with this host's ABI version (CHIMP_ABI_MAJOR.CHIMP_ABI_MINOR), and
// copies the descriptor it returns. Fails with PluginError when the library
// cannot be opened, lacks the entry, refuses (the plugin's reason is quoted),
// fails or returns a malformed descriptor, was built for another ABI major or
// needs a newer host minor, or declares something invalid:
//   - plugin name and step ids outside [A-Za-z0-9._-]{1,128}, or a step id
//     used twice in the plugin;
//   - a version that does not parse, an edge whose from_version is not below
//     its to_version (from_version "" is the empty database), an edge
//     without steps, a plugin without edges;
//   - an unknown step kind or phase; a SQL step without SQL; a native step
//     without a function or without a "rev:<n>" checksum; a check step with
//     neither or both of SQL and a function;
//   - a SQL step that does not declare CHIMP_STEP_HAS_DDL but whose
//     statements cause an implicit commit (DDL).
// SQL steps and SQL checks get Step::checksum = SqlChecksum(sql); steps with
// a function keep the plugin's "rev:<n>".
Result<LoadedPlugin> LoadPlugin(const std::string& path, const PluginLoadOptions& options = {});

// DiscoverPlugins, then LoadPlugin on each file in order (the opened copy's
// owner and mode judged again), then checks across
// plugins: two plugins with the same name, or the same step id declared by
// two plugins, is a PluginError naming both files. Stops at the first error.
Result<std::vector<LoadedPlugin>> LoadPlugins(const std::vector<std::string>& dirs,
                                              const PluginLoadOptions& options = {});

// The text a SQL checksum is computed over: CRLF becomes LF, spaces and tabs
// at the end of each line are removed, and blank lines at the end are
// removed (as is the final line break). Nothing else changes.
std::string NormalizeSql(std::string_view sql);

// "sha256:<64 lower-case hex digits>" of NormalizeSql(sql).
std::string SqlChecksum(std::string_view sql);

}  // namespace chimp

#endif  // CHIMP_LOADER_HPP_
