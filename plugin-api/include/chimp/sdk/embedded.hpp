// SQL files embedded into a plugin by chimp_add_plugin(... SQL file.sql...).
//
// Like plugin.hpp, this header is compiled into plugins and is not part of
// the contract: the host never sees these functions (only chimp_plugin_entry
// is exported). The bytes live in the plugin's read-only data, so nothing
// ships beside the .so:
//
//   chimp_add_plugin(billing SOURCES billing.cpp SQL sql/V2__users.sql)
//
//   #include <chimp/sdk/embedded.hpp>
//   e.Sql("billing.2.users", "Users", chimp::sdk::EmbeddedSql("V2__users.sql"),
//         chimp::sdk::kDdl | chimp::sdk::Source("V2__users.sql"));
//
// A file is found by its path as listed in SQL (relative to the directory of
// the CMakeLists.txt that lists it), or by a tail of that path: its file name
// alone, or its last directories and its name ("sql/V2__users.sql"). The functions
// below are defined in the source chimp_add_plugin generates, so a plugin
// that includes this header must list at least one SQL file.
//
// [thread-safe]: everything here reads constant data.
#ifndef CHIMP_SDK_EMBEDDED_HPP_
#define CHIMP_SDK_EMBEDDED_HPP_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/sdk/plugin.hpp"

namespace chimp::sdk {

// One embedded file. The views point into the library and stay valid while
// it is loaded (for a chimp host: for the whole process).
struct EmbeddedFile {
  std::string_view name;    // as listed in SQL, e.g. "sql/V2__users.sql"
  std::string_view text;    // the file's bytes, exactly (no NUL inside counted)
  std::string_view sha256;  // "sha256:<hex>" of the bytes, computed at build time
};

// Implementation details; defined by the generated source.
namespace internal {
std::size_t EmbeddedCount() noexcept;
bool EmbeddedAt(std::size_t index, EmbeddedFile* out) noexcept;
const char* EmbeddedManifest() noexcept;
}  // namespace internal

// Every embedded file, in the order listed.
inline std::vector<EmbeddedFile> EmbeddedFiles() {
  std::vector<EmbeddedFile> out;
  const std::size_t n = internal::EmbeddedCount();
  for (std::size_t i = 0; i < n; ++i) {
    EmbeddedFile f;
    if (internal::EmbeddedAt(i, &f)) out.push_back(f);
  }
  return out;
}

// Finds the embedded file `name` (its path as listed, or a tail of it after
// a '/'); the first match in the order listed. False when there is none.
inline bool FindEmbedded(std::string_view name, EmbeddedFile* out) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    // The whole path, or a tail of it after a '/': "V2.sql", "sql/V2.sql".
    const bool tail = f.name.size() > name.size() && f.name[f.name.size() - name.size() - 1] == '/' &&
                      f.name.substr(f.name.size() - name.size()) == name;
    if (f.name == name || tail) {
      if (out != nullptr) *out = f;
      return true;
    }
  }
  return false;
}

// The text of the embedded SQL file `name`. Throws Error naming the file and
// listing what is embedded when there is no such file (inside a CHIMP_PLUGIN
// body, that makes the plugin fail to load with that message).
inline std::string EmbeddedSql(std::string_view name) {
  EmbeddedFile f;
  if (FindEmbedded(name, &f)) return std::string(f.text);
  std::string known;
  for (const EmbeddedFile& e : EmbeddedFiles()) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw Error("no embedded SQL file '" + std::string(name) + "' (embedded: " +
              (known.empty() ? std::string("none") : known) + "; list it in chimp_add_plugin(... SQL ...))");
}

}  // namespace chimp::sdk

#endif  // CHIMP_SDK_EMBEDDED_HPP_
