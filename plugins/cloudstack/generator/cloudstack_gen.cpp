// cloudstack_gen: writes the C++ sources of the CloudStack bundle from the
// corpus manifest. Run by the build (plugins/cloudstack/CMakeLists.txt):
//
//   chimp_cloudstack_gen --manifest DIR/manifest.toml --out GENDIR --expect a,b,c
//
// It reads manifest.toml, checks the sha256 of every file it references
// (a mismatch fails the build, naming the file and both digests), and writes
// one source per plugin into GENDIR:
//
//   cloudstack_00_base.cpp        empty -> 4.0.0, the six [[base]] files
//                                 and the [[pre_upgrade]] procedures as
//                                 repeatable steps run before the path
//   cloudstack_NN_<to>.cpp        one per [[edge]] on the chain; the last
//                                 one also holds the [[post_upgrade]] views
//                                 as repeatable steps run after the path
//
// The SQL is not copied into the sources: each source embeds its files with
// an assembler .incbin of the corpus path, and carries the files' sha256 in
// a comment, so a source changes (and its plugin rebuilds) exactly when one
// of its files does. A file is rewritten only when its text changes.
//
// --expect lists the plugin names CMake derived from the manifest; the
// generator fails when its own list differs, so the two cannot drift apart.
//
// Exit status: 0 on success, 1 on any error (printed to stderr).
#include <toml++/toml.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/sha256.hpp"  // the engine's OpenSSL adapter, compiled in (CMakeLists.txt)

namespace fs = std::filesystem;

namespace {

// The procedures whose second CALL leaves what the first did (their error
// handlers cover what a second run raises, or the change is the same twice).
constexpr const char* kRerunnableCalls =
    "cloud.idempotent_add_column cloud.idempotent_add_key cloud.idempotent_add_unique_index "
    "cloud.idempotent_add_unique_key cloud.idempotent_change_column cloud.idempotent_create_unique_index "
    "cloud.idempotent_drop_foreign_key cloud.idempotent_drop_index cloud.idempotent_drop_unique_key "
    "cloud.idempotent_insert_guestos_hypervisor_mapping cloud.idempotent_update_api_permission "
    "cloud.idempotent_modify_column_char_set cloud_usage.idempotent_add_column cloud_usage.idempotent_add_unique_index "
    "cloud_usage.idempotent_drop_index cloud_usage.idempotent_modify_column_char_set "
    "add_guest_os_and_hypervisor_mapping";

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error(message); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Sha256Hex(const std::string& data) {
  std::string hex = chimp::internal::Sha256Hex(data);
  if (hex.empty()) Fail("sha256 failed");
  return hex;
}

// Whether com.cloud.utils.db.ScriptRunner would send anything for `text`:
// it skips blank lines and lines whose trimmed text starts with "--", "//"
// or "#"; every other line is part of a statement.
bool ScriptRunnerHasStatement(std::string_view text) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    size_t b = line.find_first_not_of(" \t\r\f\v");
    if (b != std::string_view::npos) {
      line = line.substr(b);
      if (!(line.starts_with("--") || line.starts_with("//") || line.starts_with("#"))) return true;
    }
    pos = end + 1;
  }
  return false;
}

// A C++ string literal for `s` (ASCII expected; other bytes escaped).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The path inside .incbin "...", written into a C++ string literal. Paths
// that would need escaping twice are refused.
std::string AsmPath(const std::string& path) {
  if (path.find_first_of("\"\\\n") != std::string::npos) {
    Fail("corpus path '" + path + "' contains a quote, backslash or newline; move the corpus");
  }
  return path;
}

std::string Str(const toml::table& t, std::string_view key, const std::string& where, bool required = true) {
  auto v = t[key].value<std::string>();
  if (!v) {
    if (required) Fail(where + ": key '" + std::string(key) + "' is missing or not a string");
    return "";
  }
  return *v;
}

std::vector<std::string> StrArray(const toml::table& t, std::string_view key, const std::string& where) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) Fail(where + ": key '" + std::string(key) + "' is not an array");
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s) Fail(where + ": key '" + std::string(key) + "' holds a non-string");
    out.push_back(*s);
  }
  return out;
}

// One file of the corpus, checked.
struct SqlFile {
  std::string rel;     // "sql/schema-40to410.sql", as in the manifest
  fs::path abs;        // where the assembler reads it
  std::string sha256;  // verified
  bool has_statement;  // under the rules of its dialect
};

class Corpus {
 public:
  explicit Corpus(fs::path dir) : dir_(std::move(dir)) {}

  // Reads `rel`, checks its digest against `sha256` from the manifest.
  SqlFile Load(const std::string& rel, const std::string& sha256, const std::string& where, bool script_runner) {
    if (rel.empty()) Fail(where + ": empty file name");
    if (sha256.size() != 64) Fail(where + ": '" + rel + "' has no sha256 in the manifest");
    fs::path abs = fs::weakly_canonical(dir_ / rel);
    std::string text = ReadFile(abs);
    std::string actual = Sha256Hex(text);
    if (actual != sha256) {
      Fail(where + ": sha256 mismatch for " + abs.string() + ": the manifest says " + sha256 + ", the file has " +
           actual + " (the corpus file was changed; restore it or update manifest.toml)");
    }
    bool has = script_runner ? ScriptRunnerHasStatement(text) : text.find_first_not_of(" \t\r\n") != std::string::npos;
    return SqlFile{rel, abs, actual, has};
  }

 private:
  fs::path dir_;
};

// Writes the source of one plugin. Embeds each SqlFile once.
class Source {
 public:
  explicit Source(std::string header) : head_(std::move(header)) {}

  // Returns the C++ expression of the embedded file's text.
  std::string Embed(const SqlFile& f) {
    auto it = names_.find(f.rel);
    if (it != names_.end()) return it->second;
    std::string name = "cs_f" + std::to_string(names_.size());
    embeds_ << "// " << f.rel << "  sha256:" << f.sha256 << "\n"
            << "CHIMP_CS_EMBED(" << name << ", \"" << AsmPath(f.abs.string()) << "\")\n";
    std::string expr = "chimp_cs::Text(" + name + "_begin, " + name + "_end)";
    names_.emplace(f.rel, expr);
    return expr;
  }

  std::ostringstream& body() { return body_; }

  std::string Text() const {
    std::ostringstream out;
    out << head_
        << "\n#include <chimp/sdk/plugin.hpp>\n\n#include \"cloudstack_checks.hpp\"\n#include "
           "\"cloudstack_native.hpp\"\n\n"
        << "namespace sdk = chimp::sdk;\n\n"
        << embeds_.str() << "\n"
        << body_.str();
    return out.str();
  }

 private:
  std::string head_;
  std::map<std::string, std::string> names_;
  std::ostringstream embeds_;
  std::ostringstream body_;
};

void WriteIfChanged(const fs::path& path, const std::string& text) {
  if (fs::exists(path)) {
    std::string old = ReadFile(path);
    if (old == text) return;
  }
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) Fail("cannot write " + tmp.string());
    out << text;
    if (!out) Fail("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string Header(const std::string& what, const std::string& manifest) {
  return "// Generated by chimp_cloudstack_gen from " + manifest + "\n// " + what +
         "\n// Do not edit: change the corpus or plugins/cloudstack/generator/cloudstack_gen.cpp.\n";
}

std::vector<std::string> SplitCsv(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The data steps of the Java classes that chimp runs as native C++ steps
// (plugins/cloudstack/native/). Every other class's performDataMigration()
// is not ported; README.md says why.
struct NativeStep {
  const char* method;    // the Java method, part of the step id
  const char* function;  // in namespace chimp_cs
  const char* description;
  bool ddl;
};
const std::map<std::string, std::vector<NativeStep>>& NativeSteps() {
  static const std::map<std::string, std::vector<NativeStep>> kSteps = {
      {"com.cloud.upgrade.dao.Upgrade453to460",
       {{"updateVMInstanceUserId", "UpdateVmInstanceUserId",
         "Upgrade452to460.updateVMInstanceUserId: vm_instance.user_id from the account's first user; "
         "redundancy columns of vpc, vpc_offerings and networks; drop domain_router.is_priority_bumpup",
         true},
        {"addIndexForVMInstance", "AddIndexForVmInstance",
         "Upgrade452to460.addIndexForVMInstance: (re)create index i_vm_instance__instance_name", true}}},
      {"com.cloud.upgrade.dao.Upgrade481to490",
       {{"setupRolesAndPermissionsForDynamicChecker", "SetupRolesAndPermissionsForDynamicChecker",
         "Upgrade481to490.setupRolesAndPermissionsForDynamicChecker: account.role_id (cloud and cloud_usage), "
         "accounts mapped to the default roles",
         true}}},
      {"com.cloud.upgrade.dao.Upgrade41400to41500",
       {{"addRolePermissionsForNewReadOnlyAndSupportRoles", "AddRolePermissionsForNewReadOnlyAndSupportRoles",
         "Upgrade41400to41500.addRolePermissionsForNewReadOnlyAndSupportRoles: rules of the read-only and "
         "support roles",
         false}}},
  };
  return kSteps;
}

std::string FileName(const std::string& rel) { return fs::path(rel).filename().string(); }

// The options of a step written in CloudStack's ScriptRunner dialect, run
// with `cloud` as the default database, as DatabaseUpgradeChecker runs it.
std::string ScriptRunnerOptions(const std::string& rel, bool ddl) {
  std::string o = "sdk::Dialect(sdk::kScriptRunner) | sdk::Database(\"cloud\") | sdk::Source(" + Quote(rel) + ")";
  if (ddl) o += " | sdk::kDdl";
  return o;
}

struct Edge {
  int64_t seq = 0;
  std::string from, to, java_class;
  std::optional<SqlFile> upgrade, cleanup;
  std::vector<SqlFile> java_runs_sql;
  std::vector<std::string> java_steps;
  bool system_vm_template_step = false;  // the class implements DbUpgradeSystemVmTemplate
};

// The releases whose own upgrade class, before SystemVmTemplateRegistration
// (4.16), refused the upgrade when the system VM template of a hypervisor in
// use was missing (updateSystemVmTemplates; read in apache/cloudstack at the
// versions of those releases): upgraded-to version -> template name suffix.
// From 4.15.1.0 on the manifest marks the classes (system_vm_template_step)
// and the template is the release's "a.b.c".
const std::map<std::string, std::string>& HistoricSystemVmTemplates() {
  static const std::map<std::string, std::string> kTemplates = {
      {"4.2.0", "4.2"}, {"4.3.0", "4.3"}, {"4.11.0.0", "4.11"}, {"4.11.1.0", "4.11.1"}, {"4.15.0.0", "4.15.0"},
  };
  return kTemplates;
}

// "4.16.0.0" -> "4.16.0".
std::string ThreeParts(const std::string& version) {
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = version.find('.', pos);
    if (pos == std::string::npos) return version;
    if (i < 2) ++pos;
  }
  return version.substr(0, pos);
}

// The pre-flight checks of one CloudStack upgrade step (README.md, "Checks").
// `mshost`: the management-server check, once per plugin.
void WritePreflightChecks(Source& src, const Edge& e, bool mshost) {
  auto& b = src.body();
  const std::string id = "cloudstack." + e.to + ".preflight.";
  const std::string klass = e.java_class.substr(e.java_class.rfind('.') + 1);
  const char* options = "chimp_cs::kCloudStackPreflight | chimp_cs::kCheckDatabase";
  if (mshost) {
    b << "  // DatabaseUpgradeChecker (PR #12140): no upgrade while a management server is Up.\n"
      << "  e.Check(" << Quote(id + "management-servers-down")
      << ", \"no CloudStack management server is Up (cloud.mshost)\", \"rev:1\",\n"
      << "          &chimp_cs::NoManagementServerUp, " << options << ");\n";
  }
  std::string template_version;
  std::string who;
  std::string label;  // the version CloudStack's message names
  auto historic = HistoricSystemVmTemplates().find(e.to);
  if (historic != HistoricSystemVmTemplates().end()) {
    template_version = historic->second;
    who = klass + ".updateSystemVmTemplates";
    label = e.to;  // getUpgradedVersion()
  } else if (e.system_vm_template_step) {
    template_version = ThreeParts(e.to);
    who = klass + ".updateSystemVmTemplates (SystemVmTemplateRegistration)";
    label = template_version;  // getSystemVmTemplateVersion()
  }
  if (template_version.empty()) return;
  b << "  // " << who << ": the system VM template of every hypervisor in use.\n"
    << "  e.Check(" << Quote(id + "systemvm-templates") << ",\n          "
    << Quote("the systemvm-<hypervisor>-" + template_version +
             " template (or a later one) is registered for every hypervisor of cloud.cluster")
    << ", \"rev:1\",\n          [](sdk::Context& c) {\n            return chimp_cs::SystemVmTemplatesRegistered(c, "
    << Quote(label) << ", " << Quote(template_version) << ", " << Quote(who) << ");\n          },\n          "
    << options << ");\n";
}

// The post-upgrade sanity checks, at the end of the last edge.
void WriteSanityChecks(Source& src, const std::string& to) {
  auto& b = src.body();
  const std::string id = "cloudstack." + to + ".sanity.";
  b << "  // Post-upgrade sanity (README.md, \"Checks\"); the views' check runs\n"
    << "  // after the view files (WriteRepeatables).\n"
    << "  e.Check(" << Quote(id + "foreign-keys")
    << ", \"no orphaned foreign-key rows in the tables the bundle writes\",\n"
    << "          \"rev:1\", &chimp_cs::NoOrphanedForeignKeyRows, chimp_cs::kCheckDatabase);\n"
    << "  e.Check(" << Quote(id + "version-rows") << ", \"cloud.version agrees with chimp's version\",\n"
    << "          \"rev:1\", &chimp_cs::VersionRowsConsistent, chimp_cs::kCheckDatabase);\n";
}

// Writes the steps of one CloudStack upgrade step (DatabaseUpgradeChecker
// .upgrade(): transaction 1 = upgrade scripts, performDataMigration(), the
// version row; transaction 2 = cleanup scripts, step = 'Complete').
void WriteEdgeSteps(Source& src, const Edge& e, std::vector<std::string>& notes) {
  auto& b = src.body();
  const std::string id = "cloudstack." + e.to;
  const std::string klass = e.java_class.substr(e.java_class.rfind('.') + 1);
  b << "  // seq " << e.seq << ": " << e.from << " -> " << e.to << ", " << klass << "\n";
  if (e.upgrade) {
    if (e.upgrade->has_statement) {
      b << "  e.Sql(" << Quote(id + ".upgrade") << ", "
        << Quote(FileName(e.upgrade->rel) + " (" + klass + " upgrade script)") << ",\n        " << src.Embed(*e.upgrade)
        << ",\n        " << ScriptRunnerOptions(e.upgrade->rel, true) << ");\n";
    } else {
      b << "  // " << e.upgrade->rel << " holds comments only: ScriptRunner sends nothing, no step.\n";
      notes.push_back(e.upgrade->rel + " (comments only, no step)");
    }
  }
  auto native = NativeSteps().find(e.java_class);
  if (native != NativeSteps().end()) {
    for (const NativeStep& n : native->second) {
      b << "  e.Native(" << Quote(id + ".data." + n.method) << ",\n           " << Quote(n.description)
        << ",\n           \"rev:1\", &chimp_cs::" << n.function << ", sdk::Database(\"cloud\")"
        << (n.ddl ? " | sdk::kDdl | sdk::kIdempotent" : "") << ");\n";
    }
  } else if (!e.java_steps.empty()) {
    b << "  // performDataMigration() of " << klass << " is not ported (see plugins/cloudstack/README.md):";
    for (const auto& s : e.java_steps) b << " " << s;
    b << "\n";
  }
  for (const SqlFile& f : e.java_runs_sql) {
    b << "  // Run by " << klass << ".performDataMigration() through ScriptRunner.\n";
    b << "  e.Sql(" << Quote(id + ".data." + fs::path(f.rel).stem().string()) << ", "
      << Quote(FileName(f.rel) + " (run by " + klass + ")") << ",\n        " << src.Embed(f) << ",\n        "
      << ScriptRunnerOptions(f.rel, false) << ");\n";
  }
  b << "  e.Sql(" << Quote(id + ".version") << ", " << Quote("cloud.version row " + e.to + " (step Upgrade)")
    << ",\n        \"INSERT INTO `version` (`version`, `updated`, `step`) VALUES ('" << e.to
    << "', now(), 'Upgrade')\", sdk::Database(\"cloud\"));\n";
  if (e.cleanup) {
    if (e.cleanup->has_statement) {
      b << "  e.Sql(" << Quote(id + ".cleanup") << ", "
        << Quote(FileName(e.cleanup->rel) + " (" + klass + " cleanup script)") << ",\n        " << src.Embed(*e.cleanup)
        << ",\n        " << ScriptRunnerOptions(e.cleanup->rel, true) << ");\n";
    } else {
      b << "  // " << e.cleanup->rel << " holds comments only: ScriptRunner sends nothing, no step.\n";
      notes.push_back(e.cleanup->rel + " (comments only, no step)");
    }
  }
  b << "  e.Sql(" << Quote(id + ".complete") << ", " << Quote("cloud.version row " + e.to + " (step Complete)")
    << ",\n        \"UPDATE `version` SET `step` = 'Complete', `updated` = now() WHERE `version` = '" << e.to
    << "'\", sdk::Database(\"cloud\"));\n";
}

// Writes the [[pre_upgrade]] (procedures, run before the path) or
// [[post_upgrade]] (views, run after it) files as repeatable steps of the
// plugin being written. Each runs with the JDBC sql_mode whatever the
// plugin's own session is (a routine keeps the sql_mode it was created with).
void WriteRepeatables(Source& src, const toml::table& doc, Corpus& corpus, const std::string& manifest_name,
                      bool procedures, const std::string& session_sql) {
  const char* key = procedures ? "pre_upgrade" : "post_upgrade";
  const toml::array* list = doc[key].as_array();
  if (list == nullptr) Fail(manifest_name + ": no [[" + std::string(key) + "]] entries");
  auto& b = src.body();
  b << (procedures ? "  // DatabaseUpgradeChecker.executeProcedureScripts(): before the first upgrade step.\n"
                   : "  // DatabaseUpgradeChecker.executeViewScripts(): after the last upgrade step.\n");
  for (const auto& node : *list) {
    const toml::table& t = *node.as_table();
    const std::string where = manifest_name + " [[" + key + "]]";
    SqlFile f = corpus.Load(Str(t, "file", where), Str(t, "sha256", where), where, true);
    if (!f.has_statement) Fail(where + ": " + f.rel + " has no statement");
    b << "  plugin.Repeatable("
      << Quote(std::string(procedures ? "cloudstack.procedure." : "cloudstack.view.") + fs::path(f.rel).stem().string())
      << ", " << Quote(FileName(f.rel) + (procedures ? " (procedures, ScriptRunner)" : " (view, ScriptRunner)"))
      << ",\n                    " << src.Embed(f) << ",\n                    "
      << (procedures ? "sdk::kRunBefore" : "sdk::kRunAfter") << " | " << ScriptRunnerOptions(f.rel, true)
      << " |\n                        sdk::SessionSql(" << Quote(session_sql) << "));\n";
  }
  if (procedures) return;
  // Post-upgrade sanity: every view selectable, once the view files have
  // run. Not an in-edge check: the views the upgrade files leave are
  // CloudStack's intermediate definitions, some invalid until the view
  // files replace them. Its id sorts after cloudstack.view.*.
  b << "  plugin.Repeatable(\"cloudstack.views-selectable\",\n"
    << "                    \"every view of cloud and cloud_usage can be selected from (after the view files)\",\n"
    << "                    \"rev:1\", [](sdk::Context& c) { chimp_cs::ViewsSelectable(c); },\n"
    << "                    sdk::kRunAfter | chimp_cs::kCheckDatabase);\n";
}

const char* kEmbedMacro = R"cpp(
  // CHIMP_CS_EMBED(name, "path") places the bytes of the file in .rodata
  // (assembler .incbin, read at build time) between name_begin and name_end.
#define CHIMP_CS_EMBED(name, path)                                                                      \
    __asm__(".pushsection .rodata.chimp_cs." #name                                                        \
            ",\"a\",@progbits\n"                                                                          \
            ".globl " #name "_begin\n.hidden " #name                                                      \
            "_begin\n"                                                                                    \
            ".globl " #name "_end\n.hidden " #name "_end\n" #name "_begin:\n.incbin \"" path "\"\n" #name \
            "_end:\n.byte 0\n"                                                                            \
            ".popsection\n");                                                                             \
    extern "C" __attribute__((visibility("hidden"))) const char name##_begin[];                           \
    extern "C" __attribute__((visibility("hidden"))) const char name##_end[];
)cpp";

int Run(int argc, char** argv) {
  std::string manifest_arg, out_arg, expect_arg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail("option " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--manifest") manifest_arg = value();
    else if (a == "--out") out_arg = value();
    else if (a == "--expect") expect_arg = value();
    else Fail("unknown argument '" + a + "' (usage: --manifest FILE --out DIR [--expect a,b,c])");
  }
  if (manifest_arg.empty() || out_arg.empty()) Fail("usage: --manifest FILE --out DIR [--expect a,b,c]");
  const fs::path manifest_path = fs::weakly_canonical(manifest_arg);
  const std::string manifest_name = manifest_path.string();

  toml::table doc;
  try {
    doc = toml::parse_file(manifest_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream m;
    m << manifest_name << ":" << e.source().begin.line << ": " << e.description();
    Fail(m.str());
  }
  Corpus corpus(manifest_path.parent_path());
  const std::string sql_mode = Str(*doc["chain"].as_table(), "jdbc_sql_mode", manifest_name + " [chain]");
  const std::string session_sql = "SET SESSION sql_mode = '" + sql_mode + "'";

  fs::create_directories(out_arg);
  std::vector<std::string> plugins;
  std::vector<std::string> notes;
  std::map<std::string, std::string> outputs;  // file name -> text

  // ---- base: empty -> 4.0.0, through the mysql client ----
  {
    Source src(Header("CloudStack fresh install (cloudstack-setup-databases): empty -> 4.0.0", manifest_name) +
               kEmbedMacro);
    auto& b = src.body();
    b << "CHIMP_PLUGIN(\"cloudstack-base\", \"4.0.0\", \"Apache CloudStack 4.0.0 fresh install (setup/db)\") {\n"
      << "  // cloudstack-setup-databases pipes each file through the mysql client,\n"
      << "  // whose session has the server's default sql_mode.\n"
      << "  plugin.MinHostMinor(1);  // dialects, per-step databases, repeatables: ABI 1.1\n"
      << "  plugin.SessionSql(\"SET SESSION sql_mode = @@GLOBAL.sql_mode\");\n"
      << "  // create-database.sql's procedure drops only the cloud accounts that\n"
      << "  // exist: a second CALL finds none and changes nothing (ABI 1.2).\n"
      << "  plugin.RerunnableCalls(\"mysql.cloud_drop_user_if_exists\");\n"
      << "  // A database upgraded by CloudStack itself has no changelog: its\n"
      << "  // version is the highest completed row of cloud.version.\n"
      << "  plugin.LegacyVersionQuery(\n"
      << "      \"SELECT `version` FROM `cloud`.`version` WHERE `step` = 'Complete' ORDER BY \"\n"
      << "      \"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(CONCAT(`version`, '.0.0.0'), '.', 1), '.', -1) AS UNSIGNED) "
         "DESC, \"\n"
      << "      \"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(CONCAT(`version`, '.0.0.0'), '.', 2), '.', -1) AS UNSIGNED) "
         "DESC, \"\n"
      << "      \"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(CONCAT(`version`, '.0.0.0'), '.', 3), '.', -1) AS UNSIGNED) "
         "DESC, \"\n"
      << "      \"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(CONCAT(`version`, '.0.0.0'), '.', 4), '.', -1) AS UNSIGNED) "
         "DESC \"\n"
      << "      \"LIMIT 1\");\n"
      << "  auto& e = plugin.Edge(\"\", \"4.0.0\", \"CloudStack 4.0.0 base schema: databases cloud and cloud_usage, "
         "users, seed rows\");\n";
    const toml::array* base = doc["base"].as_array();
    if (base == nullptr || base->empty()) Fail(manifest_name + ": no [[base]] entries");
    int64_t last_seq = 0;
    for (const auto& node : *base) {
      const toml::table& t = *node.as_table();
      const std::string where = manifest_name + " [[base]]";
      int64_t seq = t["seq"].value<int64_t>().value_or(0);
      if (seq <= last_seq) Fail(where + ": seq " + std::to_string(seq) + " is not after " + std::to_string(last_seq));
      last_seq = seq;
      SqlFile f = corpus.Load(Str(t, "file", where), Str(t, "sha256", where), where, /*script_runner=*/false);
      const std::string db = Str(t, "default_database", where, false);
      std::string stem = fs::path(f.rel).stem().string();
      std::string options = "sdk::Source(" + Quote(f.rel) + ") | sdk::kDdl";
      // "" = no default database, as the client started without one.
      options += " | sdk::Database(" + Quote(db) + ")";
      b << "  e.Sql(" << Quote("cloudstack.4.0.0.base." + stem) << ", "
        << Quote(FileName(f.rel) + " (mysql client" + (db.empty() ? std::string() : ", database " + db) + ")")
        << ",\n        " << src.Embed(f) << ",\n        " << options << ");\n";
    }
    // The procedures ship with the oldest release of the bundle, so that
    // every path runs them first.
    WriteRepeatables(src, doc, corpus, manifest_name, /*procedures=*/true, session_sql);
    b << "}\n";
    plugins.push_back("cloudstack_00_base");
    outputs["cloudstack_00_base.cpp"] = src.Text();
  }

  // ---- the upgrade edges ----
  const toml::array* edges = doc["edge"].as_array();
  if (edges == nullptr || edges->empty()) Fail(manifest_name + ": no [[edge]] entries");
  std::vector<Edge> chain;  // in manifest order
  for (const auto& node : *edges) {
    const toml::table& t = *node.as_table();
    Edge e;
    e.seq = t["seq"].value<int64_t>().value_or(0);
    const std::string where = manifest_name + " [[edge]] seq " + std::to_string(e.seq);
    e.from = Str(t, "from", where);
    e.to = Str(t, "to", where);
    e.java_class = Str(t, "java_class", where);
    if (t.contains("upgrade")) {
      e.upgrade = corpus.Load(Str(t, "upgrade", where), Str(t, "upgrade_sha256", where), where, true);
    }
    if (t.contains("cleanup")) {
      e.cleanup = corpus.Load(Str(t, "cleanup", where), Str(t, "cleanup_sha256", where), where, true);
    }
    auto runs = StrArray(t, "java_runs_sql", where);
    auto runs_sha = StrArray(t, "java_runs_sql_sha256", where);
    if (runs.size() != runs_sha.size()) Fail(where + ": java_runs_sql and java_runs_sql_sha256 differ in length");
    for (size_t i = 0; i < runs.size(); ++i) e.java_runs_sql.push_back(corpus.Load(runs[i], runs_sha[i], where, true));
    e.java_steps = StrArray(t, "java_data_migration_steps", where);
    e.system_vm_template_step = t["system_vm_template_step"].value_or(false);
    if (!chain.empty() && e.seq <= chain.back().seq) Fail(where + ": seq is not increasing");
    chain.push_back(std::move(e));
  }

  // Group: an edge that starts where the chain stands gets its own plugin;
  // one that does not (4.4.3 -> 4.4.4 after 4.4.2 -> 4.5.0) is what
  // DatabaseVersionHierarchy.getPath() runs next anyway, so it is appended
  // to the plugin before it, keeping CloudStack's order.
  std::vector<std::vector<const Edge*>> groups;
  std::string at = "4.0.0";
  for (const Edge& e : chain) {
    if (e.from == at) {
      groups.push_back({&e});
      at = e.to;
    } else {
      if (groups.empty())
        Fail("edge seq " + std::to_string(e.seq) + " (" + e.from + " -> " + e.to + ") does not start at 4.0.0");
      groups.back().push_back(&e);
      notes.push_back("seq " + std::to_string(e.seq) + " " + e.from + " -> " + e.to + " runs inside the plugin of " +
                      groups.back().front()->from + " -> " + groups.back().front()->to);
    }
  }
  for (const auto& g : groups) {
    const Edge& head = *g.front();
    char seq[8];
    std::snprintf(seq, sizeof seq, "%02lld", static_cast<long long>(head.seq));
    const std::string name = std::string("cloudstack_") + seq + "_" + head.to;
    const std::string klass = head.java_class.substr(head.java_class.rfind('.') + 1);
    Source src(Header("CloudStack upgrade " + head.from + " -> " + head.to + " (" + klass + ")", manifest_name) +
               kEmbedMacro);
    auto& b = src.body();
    b << "CHIMP_PLUGIN(" << Quote("cloudstack-" + head.to) << ", " << Quote(head.to) << ", "
      << Quote("Apache CloudStack upgrade " + head.from + " -> " + head.to + " (" + klass + ")") << ") {\n"
      << "  plugin.MinHostMinor(1);  // dialects, per-step databases, session SQL: ABI 1.1\n"
      << "  // CloudStack's JDBC URL sets this sql_mode (db.properties).\n"
      << "  plugin.SessionSql(" << Quote(session_sql) << ");\n"
      << "  // The CloudStack procedures (procedures/*.sql) that check before they\n"
      << "  // change (IF NOT EXISTS, error handlers for what a second run raises):\n"
      << "  // a CALL of one may run again after a crash, so it needs no pre-image\n"
      << "  // write (ABI 1.2; a 1.1 host ignores it). Not cloud.IDEMPOTENT_ADD_FOREIGN_KEY\n"
      << "  // (a second run raises 1005, its handler covers 1061) nor\n"
      << "  // cloud_usage.IDEMPOTENT_CHANGE_COLUMN (raises 1054, covers 1060).\n"
      << "  plugin.RerunnableCalls(" << Quote(kRerunnableCalls) << ");\n"
      << "  auto& e = plugin.Edge(" << Quote(head.from) << ", " << Quote(head.to) << ", "
      << Quote("CloudStack " + klass) << ");\n";
    for (const Edge* e : g) {
      WritePreflightChecks(src, *e, /*mshost=*/e == g.front());
      WriteEdgeSteps(src, *e, notes);
    }
    if (&g == &groups.back()) WriteSanityChecks(src, head.to);
    // The views are those of the newest release: they ship with its plugin.
    if (&g == &groups.back()) WriteRepeatables(src, doc, corpus, manifest_name, /*procedures=*/false, session_sql);
    b << "}\n";
    plugins.push_back(name);
    outputs[name + ".cpp"] = src.Text();
  }

  if (!expect_arg.empty()) {
    std::vector<std::string> expected = SplitCsv(expect_arg);
    if (expected != plugins) {
      std::string got;
      for (const auto& p : plugins) got += (got.empty() ? "" : ",") + p;
      Fail("the plugin list differs from CMake's: CMake expects " + expect_arg + ", the generator makes " + got +
           " (plugins/cloudstack/CMakeLists.txt and the generator disagree on the grouping rule)");
    }
  }
  for (const auto& [file, text] : outputs) WriteIfChanged(fs::path(out_arg) / file, text);
  if (std::getenv("CHIMP_CLOUDSTACK_GEN_VERBOSE") != nullptr) {
    for (const auto& n : notes) std::cout << "cloudstack_gen: note: " << n << "\n";
  }
  std::cout << "cloudstack_gen: " << plugins.size() << " plugins written to " << out_arg << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "chimp_cloudstack_gen: error: " << e.what() << "\n";
    return 1;
  }
}
