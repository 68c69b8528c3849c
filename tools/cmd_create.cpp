// chimp create NAME --to B [--from A] [--dir D]: scaffolds a standalone
// plugin project from the templates in scaffolding/plugin (installed in
// <prefix>/share/chimp/scaffolding; in the build tree, copied to
// <build>/share/chimp/scaffolding). Every @@KEY@@ in a template's text or
// path is replaced (see scaffolding/CMakeLists.txt for the keys).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "chimp/engine.hpp"
#include "chimp/version.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

namespace fs = std::filesystem;

struct CreateOptions {
  std::string name;
  std::string from;
  std::string to;
  std::string dir;
};

// Where chimp itself is, from /proc/self/exe; "" when unknown.
fs::path ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// CHIMP_SCAFFOLDING_DIR, else <bin>/../share/chimp/scaffolding.
Result<fs::path> FindTemplates() {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("CHIMP_SCAFFOLDING_DIR"); env != nullptr && *env != '\0') {
    tried.push_back(fs::path(env) / "plugin");
  }
  const fs::path exe_dir = ExecutableDir();
  if (!exe_dir.empty()) tried.push_back(exe_dir / ".." / "share" / "chimp" / "scaffolding" / "plugin");
  std::string list;
  for (const fs::path& p : tried) {
    std::error_code ec;
    if (fs::is_directory(p / "src", ec)) return fs::weakly_canonical(p, ec);
    list += (list.empty() ? "" : ", ") + p.lexically_normal().string();
  }
  return Status::NotFound(
      "chimp create: the templates were not found (looked in: " + list +
      "); install the chimp-dev package, or set CHIMP_SCAFFOLDING_DIR to the scaffolding directory of chimp's "
      "sources");
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// `name` with everything but [A-Za-z0-9_] (and, unless keep_dash, '-') as '_'.
std::string Sanitize(const std::string& name, bool keep_dash) {
  std::string out;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (keep_dash && c == '-');
    out += ok ? c : '_';
  }
  return out;
}

std::string Substitute(std::string text, const std::map<std::string, std::string>& keys) {
  for (const auto& [key, value] : keys) {
    const std::string marker = "@@" + key + "@@";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size())) {
      text.replace(at, marker.size(), value);
    }
  }
  return text;
}

int RunCreate(const Context& ctx, const CreateOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "create", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  if (!ValidName(opts.name)) {
    return Fail(Status::InvalidArgument(
        "chimp create: '" + opts.name +
        "' is not a valid plugin name: use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter"));
  }
  Result<Version> to = Version::Parse(opts.to, "--to");
  if (!to.ok()) return Fail(to.status());
  Result<Version> from = Version::Parse(opts.from, "--from", /*allow_empty=*/true);
  if (!from.ok()) return Fail(from.status());
  if (!(*from < *to)) {
    return Fail(Status::InvalidArgument(
        "chimp create: --from " + from->ToDisplayString() + " is not below --to " + to->ToString() +
        ": an edge upgrades (leave --from out for the base edge from the empty database)"));
  }
  Result<fs::path> templates = FindTemplates();
  if (!templates.ok()) return Fail(templates.status());

  const fs::path dir = opts.dir.empty() ? fs::path(opts.name) : fs::path(opts.dir);
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return Fail(Status::InvalidArgument("chimp create: '" + dir.string() + "' exists and is not a directory"));
    }
    if (!fs::is_empty(dir, ec)) {
      return Fail(Status::InvalidArgument("chimp create: '" + dir.string() +
                                          "' exists and is not empty; refusing to overwrite it (choose --dir)"));
    }
  }

  const std::string ident = Sanitize(opts.name, /*keep_dash=*/false);
  const std::map<std::string, std::string> keys = {
      {"NAME", opts.name},
      {"FROM", from->ToString()},
      {"FROM_TEXT", from->ToDisplayString()},
      {"TO", to->ToString()},
      {"TARGET", Sanitize(opts.name, /*keep_dash=*/true)},
      {"IDENT", ident},
      {"SQL_FILE", "V" + to->ToString() + "__" + ident + ".sql"},
      {"CHIMP_VERSION", EngineVersion()},
  };

  std::vector<std::string> created;
  try {
    fs::create_directories(dir);
    std::vector<fs::path> sources;
    for (const auto& entry : fs::recursive_directory_iterator(*templates)) {
      if (entry.is_regular_file()) sources.push_back(entry.path());
    }
    std::sort(sources.begin(), sources.end());
    for (const fs::path& src : sources) {
      const fs::path rel = Substitute(fs::relative(src, *templates).string(), keys);
      const fs::path dst = dir / rel;
      fs::create_directories(dst.parent_path());
      std::ifstream in(src, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream out(dst, std::ios::binary | std::ios::trunc);
      out << Substitute(text, keys);
      if (!out) return Fail(Status::InvalidArgument("chimp create: cannot write '" + dst.string() + "'"));
      created.push_back(dst.string());
    }
  } catch (const fs::filesystem_error& e) {
    return Fail(Status::InvalidArgument(std::string("chimp create: ") + e.what()));
  }

  const fs::path exe_dir = ExecutableDir();
  const std::string prefix =
      exe_dir.empty() ? "/where/chimp/is/installed" : fs::weakly_canonical(exe_dir / "..", ec).string();
  const std::string d = dir.string();
  if (*format == "json") {
    PrintJson({{"plugin", opts.name},
               {"from_version", from->ToString()},
               {"to_version", to->ToString()},
               {"directory", d},
               {"files", created},
               {"cmake_prefix_path", prefix}});
    return kExitOk;
  }
  std::cout << "created plugin '" << opts.name << "' (" << from->ToDisplayString() << " -> " << to->ToString()
            << ") in " << d << ":\n";
  for (const std::string& f : created) std::cout << "  " << f << '\n';
  std::cout << "next:\n"
            << "  cmake -S " << d << " -B " << d << "/build -DCMAKE_PREFIX_PATH=" << prefix << '\n'
            << "  cmake --build " << d << "/build\n"
            << "  ctest --test-dir " << d << "/build --output-on-failure   # chimp plugins verify\n";
  return kExitOk;
}

}  // namespace

CommandRun RegisterCreate(CLI::App* app) {
  auto opts = std::make_shared<CreateOptions>();
  app->add_option("name", opts->name, "Plugin name: letters, digits, '-', '_', '.'")->required()->type_name("NAME");
  app->add_option("--to", opts->to, "The version the plugin's edge reaches")->required()->type_name("VERSION");
  app->add_option("--from", opts->from, "The version the edge starts from (Default: the empty database)")
      ->type_name("VERSION");
  app->add_option("--dir", opts->dir, "Where to create the project (Default: ./NAME); must be empty or absent")
      ->type_name("DIR");
  return [opts](const Context& ctx) { return RunCreate(ctx, *opts); };
}

}  // namespace chimp::cli
