#include "config/bundle_manifest.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace chimp::internal {
namespace {

// Reads one table's keys into strings and integers, refusing unknown keys.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  Status String(const char* key, bool required, std::string* out) {
    known_.insert(key);
    const toml::node* n = table_.get(key);
    if (n == nullptr) return required ? Error(table_, "'" + std::string(key) + "' is missing") : Status::Ok();
    const auto* s = n->as_string();
    if (s == nullptr) return Error(*n, "'" + std::string(key) + "' must be a string");
    *out = s->get();
    return Status::Ok();
  }

  Status Integer(const char* key, int64_t* out) {
    known_.insert(key);
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::Ok();
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() < 0) return Error(*n, "'" + std::string(key) + "' must be a non-negative integer");
    *out = i->get();
    return Status::Ok();
  }

  // REQUIRES: every key was asked for first.
  Status NoOtherKeys() const {
    for (auto&& [key, node] : table_) {
      if (known_.count(std::string(key.str())) == 0) return Error(node, "unknown key '" + std::string(key.str()) + "'");
    }
    return Status::Ok();
  }

  Status Error(const toml::node& n, const std::string& message) const {
    return Status::PluginError(where_ + ":" + std::to_string(n.source().begin.line) + ": " + message);
  }

  void Know(const char* key) { known_.insert(key); }

 private:
  const toml::table& table_;
  std::string where_;
  std::set<std::string> known_;
};

bool IsSha256Hex(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<BundleFile> ParseFile(const toml::table& t, const std::string& path) {
  TableReader r(t, path);
  BundleFile f;
  int64_t size = 0;
  CHIMP_RETURN_IF_ERROR(r.String("file", true, &f.file));
  CHIMP_RETURN_IF_ERROR(r.String("sha256", true, &f.sha256));
  CHIMP_RETURN_IF_ERROR(r.Integer("size", &size));
  CHIMP_RETURN_IF_ERROR(r.String("name", false, &f.name));
  CHIMP_RETURN_IF_ERROR(r.String("version", false, &f.version));
  CHIMP_RETURN_IF_ERROR(r.String("abi", false, &f.abi));
  CHIMP_RETURN_IF_ERROR(r.NoOtherKeys());
  f.size = static_cast<uint64_t>(size);
  if (f.file.empty() || f.file.find('/') != std::string::npos || f.file == "." || f.file == "..") {
    return r.Error(t, "plugin file '" + f.file + "' must be a file name inside the bundle directory");
  }
  if (!IsSha256Hex(f.sha256)) {
    return r.Error(t, "plugin file '" + f.file + "': sha256 '" + f.sha256 + "' is not 64 lower-case hex digits");
  }
  return f;
}

Result<BundleManifest> ParseRoot(const toml::table& root, const std::string& path) {
  TableReader r(root, path);
  BundleManifest m;
  CHIMP_RETURN_IF_ERROR(r.Integer("format", &m.format));
  if (m.format != 1) {
    return Status::PluginError(path + ": format " + std::to_string(m.format) +
                               " is not known to this chimp (it reads format 1); upgrade chimp");
  }
  CHIMP_RETURN_IF_ERROR(r.String("application", false, &m.application));
  CHIMP_RETURN_IF_ERROR(r.String("release", true, &m.release));
  CHIMP_RETURN_IF_ERROR(r.String("min_engine_version", true, &m.min_engine_version));
  CHIMP_RETURN_IF_ERROR(r.String("min_abi", true, &m.min_abi));
  CHIMP_RETURN_IF_ERROR(r.String("created_by", false, &m.created_by));
  CHIMP_RETURN_IF_ERROR(r.String("signed_by", false, &m.signed_by));
  r.Know("plugin");
  CHIMP_RETURN_IF_ERROR(r.NoOtherKeys());
  if (const toml::node* plugins = root.get("plugin")) {
    const toml::array* arr = plugins->as_array();
    if (arr == nullptr) return r.Error(*plugins, "'plugin' must be an array of tables ([[plugin]])");
    for (const toml::node& item : *arr) {
      const toml::table* t = item.as_table();
      if (t == nullptr) return r.Error(item, "'plugin' must be an array of tables ([[plugin]])");
      CHIMP_ASSIGN_OR_RETURN(BundleFile f, ParseFile(*t, path));
      for (const BundleFile& seen : m.files) {
        if (seen.file == f.file) return r.Error(item, "plugin file '" + f.file + "' is listed twice");
      }
      m.files.push_back(std::move(f));
    }
  }
  std::sort(m.files.begin(), m.files.end(), [](const BundleFile& a, const BundleFile& b) { return a.file < b.file; });
  return m;
}

// A TOML basic string.
std::string Quoted(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

}  // namespace

Result<BundleManifest> ParseBundleManifest(const std::string& text, const std::string& path) {
  try {
    toml::table root = toml::parse(text, path);
    return ParseRoot(root, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::PluginError(path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                               ": invalid TOML: " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(path + ": reading the manifest failed: " + e.what());
  }
}

std::string FormatBundleManifest(const BundleManifest& m) {
  std::ostringstream out;
  out << "# A chimp release bundle (doc/plugins.md \"Release bundles\"), written by\n"
         "# `chimp bundle create`. bundle.toml.sig, when present, signs these bytes.\n";
  out << "format = " << m.format << '\n';
  if (!m.application.empty()) out << "application = " << Quoted(m.application) << '\n';
  out << "release = " << Quoted(m.release) << '\n';
  out << "min_engine_version = " << Quoted(m.min_engine_version) << '\n';
  out << "min_abi = " << Quoted(m.min_abi) << '\n';
  if (!m.created_by.empty()) out << "created_by = " << Quoted(m.created_by) << '\n';
  if (!m.signed_by.empty()) out << "signed_by = " << Quoted(m.signed_by) << '\n';
  for (const BundleFile& f : m.files) {
    out << "\n[[plugin]]\nfile = " << Quoted(f.file) << "\nsha256 = " << Quoted(f.sha256) << "\nsize = " << f.size
        << '\n';
    if (!f.name.empty()) out << "name = " << Quoted(f.name) << '\n';
    if (!f.version.empty()) out << "version = " << Quoted(f.version) << '\n';
    if (!f.abi.empty()) out << "abi = " << Quoted(f.abi) << '\n';
  }
  return out.str();
}

}  // namespace chimp::internal
