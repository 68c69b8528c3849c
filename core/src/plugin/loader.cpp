#include "chimp/loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "chimp/sql_splitter.hpp"
#include "exec/online_alter.hpp"
#include "plugin/bundle.hpp"
#include "plugin/descriptor_cache.hpp"
#include "plugin/isolate.hpp"
#include "plugin/services.hpp"
#include "plugin/trust.hpp"
#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"
#include "util/sha256.hpp"

// Where a plugin's entry reports why it refuses or fails (plugin_abi.h).
struct chimp_error_ctx {
  std::string message;
};

namespace chimp {

namespace fs = std::filesystem;

namespace {

// ---- Discovery ----

// The *.so entries of `dir`, each judged (plugin/trust.hpp) with the
// directory itself. A link is followed; a dangling one is an error.
Status ScanDirectory(const std::string& dir, std::set<std::string>* files) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) {
    return Status::NotFound("plugin directory '" + dir + "' does not exist");
  }
  if (ec) return Status::PluginError("plugin directory '" + dir + "': " + ec.message());
  if (st.type() != fs::file_type::directory) {
    return Status::InvalidArgument("plugin directory '" + dir + "' is not a directory");
  }
  const fs::path canonical_dir = fs::canonical(dir, ec);
  if (ec) return Status::PluginError("plugin directory '" + dir + "': " + ec.message());
  CHIMP_RETURN_IF_ERROR(internal::CheckTrustedDirectory(canonical_dir.string()));
  fs::directory_iterator it(canonical_dir, ec);
  if (ec) return Status::PluginError("plugin directory '" + dir + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".so") continue;
    const fs::file_status lst = fs::symlink_status(path, ec);
    if (ec) return Status::PluginError("plugin file '" + path.string() + "': " + ec.message());
    // A directory or a device named *.so is not a plugin; a link is judged.
    if (lst.type() != fs::file_type::regular && lst.type() != fs::file_type::symlink) continue;
    if (lst.type() == fs::file_type::symlink && fs::is_directory(path, ec)) continue;
    std::string canonical;
    CHIMP_RETURN_IF_ERROR(internal::CheckTrustedFile(path.string(), &canonical));
    files->insert(canonical);
  }
  if (ec) return Status::PluginError("plugin directory '" + dir + "': " + ec.message());
  return Status::Ok();
}

// ---- Libraries: opened once, never closed ----

// Process-lifetime registry of opened libraries, leaked on purpose: native
// steps keep pointers into them, and unloading at exit would race with
// whatever still runs.
struct LibraryRegistry {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<boost::dll::shared_library>> libraries;
};

LibraryRegistry& Libraries() {
  static LibraryRegistry* registry = new LibraryRegistry;
  return *registry;
}

// The library already opened for `file` (canonical), or nullptr.
const boost::dll::shared_library* FindLibrary(const std::string& file) {
  LibraryRegistry& registry = Libraries();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.libraries.find(file);
  return it != registry.libraries.end() ? it->second.get() : nullptr;
}

// `text` with every "/proc/self/fd/N" of `image` replaced by its file.
std::string NameTheFile(std::string text, const internal::PluginImage& image) {
  const std::string load_path = image.LoadPath();
  for (size_t at = text.find(load_path); at != std::string::npos; at = text.find(load_path, at)) {
    text.replace(at, load_path.size(), image.file());
    at += image.file().size();
  }
  return text;
}

// Opens the private copy `image` and registers it under image.file(),
// keeping its memfd open.
Result<const boost::dll::shared_library*> OpenLibrary(internal::PluginImage& image) {
  const std::string& file = image.file();
  if (const boost::dll::shared_library* open = FindLibrary(file)) return open;
  LibraryRegistry& registry = Libraries();
  std::lock_guard<std::mutex> lock(registry.mu);
  try {
    boost::dll::fs::error_code ec;
    auto library = std::make_unique<boost::dll::shared_library>(
        image.LoadPath(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !library->is_loaded()) {
      // Boost.DLL reports only an errno-style code; dlerror() still holds the
      // loader's explanation (missing dependency, undefined symbol, ...).
      const char* why = ::dlerror();
      return Status::PluginError("plugin '" + file + "': cannot load the library: " +
                                 NameTheFile(why != nullptr ? std::string(why) : ec.message(), image));
    }
    const boost::dll::shared_library* raw = library.get();
    registry.libraries.emplace(file, std::move(library));
    image.KeepOpen();
    return raw;
  } catch (const std::exception& e) {
    return Status::PluginError("plugin '" + file + "': cannot load the library: " + NameTheFile(e.what(), image));
  }
}

void HostSetError(chimp_error_ctx* ctx, const char* message) noexcept {
  if (ctx == nullptr) return;
  try {
    ctx->message = message != nullptr ? message : "";
  } catch (...) {
    // Out of memory: the status alone must do.
  }
}

// ---- Descriptor copy and validation ----

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [A-Za-z0-9._-]{1,128}, in ASCII whatever the locale.
bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

// "rev:" and 1 to 9 digits.
bool IsValidRev(std::string_view checksum) {
  if (checksum.size() < 5 || checksum.size() > 13 || checksum.substr(0, 4) != "rev:") return false;
  for (char c : checksum.substr(4)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::string Str(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// Copies one plugin's descriptor into the model, validating as it goes.
class DescriptorCopier {
 public:
  // `check_sql`: split and check every SQL text (the trial child leaves it
  // to chimp: it reads only chimp's own copies of the plugin's strings).
  DescriptorCopier(std::string file, bool check_sql)
      : file_(std::move(file)), plugin_("plugin '" + file_ + "'"), check_sql_(check_sql) {}

  Result<LoadedPlugin> Copy(const chimp_plugin* d) {
    CHIMP_RETURN_IF_ERROR(CheckAbi(d));
    plugin_abi_minor_ = d->abi_minor;
    LoadedPlugin loaded;
    CHIMP_ASSIGN_OR_RETURN(loaded.info, CopyInfo(d));
    const bool has_repeatables = CHIMP_HAS_FIELD(d, chimp_plugin, repeatables) && d->repeatable_count > 0;
    if (d->edge_count == 0 && !has_repeatables) return Error(plugin_ + " declares no edges and no repeatable steps");
    if (d->edge_count > 0 && d->edges == nullptr)
      return Error(plugin_ + ": edges is NULL but edge_count is " + std::to_string(d->edge_count));
    CHIMP_RETURN_IF_ERROR(CopyEdges(d, &loaded));
    if (has_repeatables) CHIMP_RETURN_IF_ERROR(CopyRepeatables(d, &loaded));
    return loaded;
  }

 private:
  // The descriptor's size and ABI: the major must match, every 1.0 field be
  // there, and the host be as recent as min_host_minor.
  Status CheckAbi(const chimp_plugin* d) const {
    if (d == nullptr) return Error(plugin_ + ": the entry returned CHIMP_OK but no descriptor");
    if (!CHIMP_HAS_FIELD(d, chimp_plugin, abi_major)) {
      return Error(plugin_ + ": descriptor struct_size " + std::to_string(d->struct_size) + " is too small");
    }
    if (d->abi_major != CHIMP_ABI_MAJOR) {
      return Error(plugin_ + " was built for chimp ABI " + std::to_string(d->abi_major) + "." +
                   std::to_string(CHIMP_HAS_FIELD(d, chimp_plugin, abi_minor) ? d->abi_minor : 0) +
                   "; this host speaks ABI " + HostAbi() + " (the major must match)");
    }
    // Every 1.0 field is required; later minors append optional ones, read
    // with CHIMP_HAS_FIELD.
    if (d->struct_size < CHIMP_PLUGIN_SIZE_1_0) {
      return TooSmall(plugin_, "chimp_plugin", d->struct_size, CHIMP_PLUGIN_SIZE_1_0);
    }
    if (d->min_host_minor > CHIMP_ABI_MINOR) {
      return Error(plugin_ + " needs a host with ABI " + std::to_string(CHIMP_ABI_MAJOR) + "." +
                   std::to_string(d->min_host_minor) + " or later (min_host_minor); this host speaks ABI " + HostAbi());
    }
    return Status::Ok();
  }

  // The plugin's own fields (name, version, session_sql, ...), validated.
  // REQUIRES: CheckAbi(d) passed.
  Result<std::shared_ptr<PluginInfo>> CopyInfo(const chimp_plugin* d) const {
    auto info = std::make_shared<PluginInfo>();
    info->file = file_;
    info->abi_major = d->abi_major;
    info->abi_minor = d->abi_minor;
    info->min_host_minor = d->min_host_minor;
    if (d->name == nullptr) return Error(plugin_ + ": name is missing");
    info->name = d->name;
    if (!IsValidId(info->name)) {
      return Error(plugin_ + ": name '" + info->name + "' is not valid (expected [A-Za-z0-9._-]{1,128})");
    }
    if (d->version == nullptr) return Error(plugin_ + ": version is missing");
    info->version = d->version;
    if (auto v = Version::Parse(info->version, plugin_ + " version"); !v.ok()) return AsPluginError(v.status());
    info->description = Str(d->description);
    if (CHIMP_HAS_FIELD(d, chimp_plugin, session_sql)) {
      info->session_sql = Str(d->session_sql);
      CHIMP_RETURN_IF_ERROR(CheckSessionSql(info->session_sql, plugin_ + " session_sql"));
    }
    if (CHIMP_HAS_FIELD(d, chimp_plugin, legacy_version_query)) {
      info->legacy_version_query = Str(d->legacy_version_query);
    }
    if (CHIMP_HAS_FIELD(d, chimp_plugin, rerunnable_calls)) {
      info->rerunnable_calls = RerunnablePatterns(Str(d->rerunnable_calls));
    }
    return info;
  }

  // The patterns of rerunnable_calls: split on blanks and commas, lower-cased.
  static std::vector<std::string> RerunnablePatterns(const std::string& text) {
    std::vector<std::string> patterns;
    std::string pattern;
    for (char c : text + " ") {
      if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
        if (!pattern.empty()) patterns.push_back(std::move(pattern));
        pattern.clear();
      } else {
        pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    return patterns;
  }

  // Appends every edge to loaded->edges; an edge declared twice is an error.
  // REQUIRES: d->edges is not NULL when d->edge_count > 0.
  Status CopyEdges(const chimp_plugin* d, LoadedPlugin* loaded) {
    for (uint32_t i = 0; i < d->edge_count; ++i) {
      CHIMP_ASSIGN_OR_RETURN(Edge edge, CopyEdge(d->edges[i], i + 1));
      edge.plugin = loaded->info;
      for (size_t j = 0; j < loaded->edges.size(); ++j) {
        if (loaded->edges[j].from == edge.from && loaded->edges[j].to == edge.to) {
          return Error(plugin_ + " declares edge " + edge.Name() + " twice (edge #" + std::to_string(j + 1) +
                       " and edge #" + std::to_string(i + 1) + ")");
        }
      }
      loaded->edges.push_back(std::move(edge));
    }
    return Status::Ok();
  }

  // Appends every repeatable step to loaded->repeatables, all under one
  // pseudo edge. REQUIRES: d has repeatables and repeatable_count > 0.
  Status CopyRepeatables(const chimp_plugin* d, LoadedPlugin* loaded) {
    if (d->repeatables == nullptr) {
      return Error(plugin_ + ": repeatables is NULL but repeatable_count is " + std::to_string(d->repeatable_count));
    }
    auto pseudo = std::make_shared<Edge>();
    pseudo->description = "repeatable";
    pseudo->plugin = loaded->info;
    for (uint32_t i = 0; i < d->repeatable_count; ++i) {
      CHIMP_ASSIGN_OR_RETURN(Repeatable r, CopyRepeatable(d->repeatables[i], i + 1));
      r.plugin = loaded->info;
      r.edge = pseudo;
      loaded->repeatables.push_back(std::move(r));
    }
    return Status::Ok();
  }

  // Repeatable step #`number`: one of RUN_BEFORE/RUN_AFTER, not a check,
  // in the expand phase, with an id not seen before. Leaves plugin and edge
  // for the caller.
  Result<Repeatable> CopyRepeatable(const chimp_step* d, uint32_t number) {
    const std::string name = "repeatable #" + std::to_string(number);
    CHIMP_ASSIGN_OR_RETURN(Step step, CopyStep(d, plugin_ + " " + name));
    const std::string where = plugin_ + " " + name + " '" + step.id + "'";
    const bool before = (d->flags & CHIMP_STEP_RUN_BEFORE) != 0;
    const bool after = (d->flags & CHIMP_STEP_RUN_AFTER) != 0;
    if (before == after) {
      return Error(where +
                   ": a repeatable step needs exactly one of CHIMP_STEP_RUN_BEFORE and "
                   "CHIMP_STEP_RUN_AFTER (chimp::sdk::kRunBefore / kRunAfter)");
    }
    if (step.kind == StepKind::kCheck) return Error(where + ": a repeatable step cannot be a check");
    if (step.phase != Phase::kExpand) return Error(where + ": a repeatable step runs in the expand phase");
    CHIMP_RETURN_IF_ERROR(ClaimStepId(step.id, name));
    Repeatable r;
    r.step = std::move(step);
    r.when = before ? RepeatableWhen::kBefore : RepeatableWhen::kAfter;
    return r;
  }

  // Records that step `id` is declared at `name`; an id declared twice is
  // an error naming both places.
  Status ClaimStepId(const std::string& id, const std::string& name) {
    auto [first, inserted] = step_ids_.emplace(id, name);
    if (inserted) return Status::Ok();
    return Error(plugin_ + ": step id '" + id + "' is declared twice (" + first->second + " and " + name + ")");
  }

  static Status Error(std::string message) { return Status::PluginError(std::move(message)); }
  static Status AsPluginError(const Status& s) { return Status::PluginError(s.message()); }
  static std::string HostAbi() { return std::to_string(CHIMP_ABI_MAJOR) + "." + std::to_string(CHIMP_ABI_MINOR); }
  static Status TooSmall(const std::string& where, const char* type, uint32_t size, size_t want) {
    return Error(where + ": struct_size " + std::to_string(size) + " is smaller than the ABI 1.0 " + type + " (" +
                 std::to_string(want) + " bytes)");
  }

  Result<Edge> CopyEdge(const chimp_edge* d, uint32_t number) {
    std::string edge_name = "edge #" + std::to_string(number);
    std::string where = plugin_ + " " + edge_name;
    if (d == nullptr) return Error(where + " is NULL");
    if (d->struct_size < CHIMP_EDGE_SIZE_1_0) return TooSmall(where, "chimp_edge", d->struct_size, CHIMP_EDGE_SIZE_1_0);
    Edge edge;
    const std::string from = Str(d->from_version);
    if (d->to_version == nullptr) return Error(where + ": to_version is missing");
    auto parsed_from = Version::Parse(from, where + " from_version", /*allow_empty=*/true);
    if (!parsed_from.ok()) return AsPluginError(parsed_from.status());
    auto parsed_to = Version::Parse(d->to_version, where + " to_version");
    if (!parsed_to.ok()) return AsPluginError(parsed_to.status());
    edge.from = std::move(parsed_from).value();
    edge.to = std::move(parsed_to).value();
    edge.description = Str(d->description);
    if (CHIMP_HAS_FIELD(d, chimp_edge, target_fingerprint)) edge.target_fingerprint = Str(d->target_fingerprint);
    edge_name += " (" + edge.Name() + ")";
    where = plugin_ + " " + edge_name;
    if (!edge.from.empty() && !(edge.from < edge.to)) {
      return Error(where + ": from_version " + edge.from.ToString() + " is not lower than to_version " +
                   edge.to.ToString() + "; an edge only upgrades");
    }
    if (d->step_count == 0) return Error(where + " has no steps");
    if (d->steps == nullptr) return Error(where + ": steps is NULL but step_count is " + std::to_string(d->step_count));
    for (uint32_t i = 0; i < d->step_count; ++i) {
      const std::string step_name = edge_name + " step #" + std::to_string(i + 1);
      CHIMP_ASSIGN_OR_RETURN(Step step, CopyStep(d->steps[i], plugin_ + " " + step_name));
      if ((d->steps[i]->flags & (CHIMP_STEP_RUN_BEFORE | CHIMP_STEP_RUN_AFTER)) != 0) {
        return Error(plugin_ + " " + step_name + " '" + step.id +
                     "': CHIMP_STEP_RUN_BEFORE / CHIMP_STEP_RUN_AFTER are for repeatable steps only");
      }
      CHIMP_RETURN_IF_ERROR(ClaimStepId(step.id, step_name));
      edge.steps.push_back(std::move(step));
    }
    return edge;
  }

  Result<Step> CopyStep(const chimp_step* d, std::string where) {
    if (d == nullptr) return Error(where + " is NULL");
    if (d->struct_size < CHIMP_STEP_SIZE_1_0) return TooSmall(where, "chimp_step", d->struct_size, CHIMP_STEP_SIZE_1_0);
    Step step;
    if (d->id == nullptr) return Error(where + ": id is missing");
    step.id = d->id;
    if (!IsValidId(step.id)) {
      return Error(where + ": id '" + step.id + "' is not valid (expected [A-Za-z0-9._-]{1,128})");
    }
    where += " '" + step.id + "'";
    step.description = Str(d->description);
    step.source = Str(d->source);
    step.proposed_at = Str(d->proposed_at);
    step.run = d->run;
    step.user = d->user;

    CHIMP_RETURN_IF_ERROR(CopyPhaseAndFlags(d, where, &step));
    if (CHIMP_HAS_FIELD(d, chimp_step, database) && d->database != nullptr) step.database = std::string(d->database);
    if (CHIMP_HAS_FIELD(d, chimp_step, session_sql)) {
      step.session_sql = Str(d->session_sql);
      CHIMP_RETURN_IF_ERROR(CheckSessionSql(step.session_sql, where + " session_sql"));
    }
    CHIMP_RETURN_IF_ERROR(CopyKind(d, where, &step));
    if (step.preflight && step.kind != StepKind::kCheck) {
      return Error(where + ": CHIMP_STEP_PREFLIGHT (chimp::sdk::kPreflight) is for check steps only; this is a " +
                   StepKindName(step.kind) + " step");
    }
    const bool has_sql = d->sql != nullptr;
    if (has_sql) {
      step.sql = d->sql;
      step.checksum = SqlChecksum(step.sql);
      if (check_sql_) CHIMP_RETURN_IF_ERROR(CheckSql(step, where));
    }
    if (step.online) {
      if (Status online = internal::CheckOnlineStep(step); !online.ok()) return Error(where + ": " + online.message());
    }
    if (!has_sql) {
      step.checksum = Str(d->checksum);
      if (step.checksum.empty())
        return Error(where + ": checksum is missing; a step with a function needs \"rev:<n>\"");
      if (!IsValidRev(step.checksum)) {
        return Error(where + ": checksum '" + step.checksum + "' is not \"rev:<n>\" (n a number)");
      }
    }
    return step;
  }

  // The phase, the flags and the dialect of step `d` into `step`.
  Status CopyPhaseAndFlags(const chimp_step* d, const std::string& where, Step* step) const {
    switch (d->phase) {
      case CHIMP_PHASE_EXPAND: step->phase = Phase::kExpand; break;
      case CHIMP_PHASE_CLEANUP: step->phase = Phase::kCleanup; break;
      default: return Error(where + ": unknown phase " + std::to_string(d->phase));
    }
    constexpr uint32_t kKnownFlags = CHIMP_STEP_HAS_DDL | CHIMP_STEP_IDEMPOTENT | CHIMP_STEP_WARNINGS_FATAL |
                                     CHIMP_STEP_RUN_BEFORE | CHIMP_STEP_RUN_AFTER | CHIMP_STEP_PREFLIGHT |
                                     CHIMP_STEP_ONLINE;
    // A plugin built for a later minor may set flags this host does not know
    // yet (it stated it runs on this host); from anyone else they are garbage.
    if ((d->flags & ~kKnownFlags) != 0 && plugin_abi_minor_ <= CHIMP_ABI_MINOR) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(d->flags & ~kKnownFlags));
      return Error(where + ": unknown flags " + buf);
    }
    step->has_ddl = (d->flags & CHIMP_STEP_HAS_DDL) != 0;
    step->idempotent = (d->flags & CHIMP_STEP_IDEMPOTENT) != 0;
    step->warnings_fatal = (d->flags & CHIMP_STEP_WARNINGS_FATAL) != 0;
    step->preflight = (d->flags & CHIMP_STEP_PREFLIGHT) != 0;
    step->online = (d->flags & CHIMP_STEP_ONLINE) != 0;
    if (CHIMP_HAS_FIELD(d, chimp_step, dialect)) {
      switch (d->dialect) {
        case CHIMP_DIALECT_CLIENT: step->dialect = SqlDialect::kClient; break;
        case CHIMP_DIALECT_SCRIPT_RUNNER: step->dialect = SqlDialect::kScriptRunner; break;
        default: return Error(where + ": unknown dialect " + std::to_string(d->dialect));
      }
    }
    return Status::Ok();
  }

  // The kind of step `d` into `step`, checking it has sql or a function
  // (run) as its kind needs.
  static Status CopyKind(const chimp_step* d, const std::string& where, Step* step) {
    const bool has_sql = d->sql != nullptr;
    const bool has_run = d->run != nullptr;
    switch (d->kind) {
      case CHIMP_STEP_SQL:
        step->kind = StepKind::kSql;
        if (!has_sql) return Error(where + ": a SQL step needs sql");
        if (has_run) return Error(where + ": a SQL step must not have a function (run)");
        return Status::Ok();
      case CHIMP_STEP_NATIVE:
        step->kind = StepKind::kNative;
        if (!has_run) return Error(where + ": a native step needs a function (run)");
        if (has_sql) return Error(where + ": a native step must not have sql");
        return Status::Ok();
      case CHIMP_STEP_CHECK:
        step->kind = StepKind::kCheck;
        if (has_sql == has_run) {
          return Error(where + ": a check step needs either sql or a function (run), " +
                       (has_sql ? "not both" : "it has neither"));
        }
        return Status::Ok();
      default: return Error(where + ": unknown kind " + std::to_string(d->kind));
    }
  }

  // The SQL splits as the mysql client splits it; a check is one query; a
  // SQL step whose statements commit implicitly declares HAS_DDL (the
  // executor runs it in one transaction otherwise, which DDL would break).
  static Status CheckSql(const Step& step, const std::string& where) {
    const std::string source = step.source.empty() ? "sql" : step.source;
    // A check is one query, split as the client splits it whatever the step says.
    const SqlDialect dialect = step.kind == StepKind::kSql ? step.dialect : SqlDialect::kClient;
    auto statements = internal::SplitScriptFollowingLiteralModes(step.sql, dialect, source);
    if (!statements.ok()) return Error(where + ": " + statements.status().message());
    if (statements->empty()) return Error(where + ": sql has no statement");
    if (step.kind == StepKind::kCheck && statements->size() != 1) {
      return Error(where + ": a check's sql must be one query; it has " + std::to_string(statements->size()) +
                   " statements");
    }
    if (step.kind != StepKind::kSql || step.has_ddl) return Status::Ok();
    for (const internal::ClassifiedStatement& classified : *statements) {
      if (!classified.info.commits_implicitly) continue;
      const SqlStatement& statement = classified.statement;
      const std::string shown = internal::ShortenSql(statement.text, internal::ShortenStyle::kOneLine, 60);
      return Error(where + ": statement " + std::to_string(statement.index + 1) + " ('" + shown +
                   "') causes an implicit commit, but the step does not declare CHIMP_STEP_HAS_DDL "
                   "(chimp::sdk::kDdl)");
    }
    return Status::Ok();
  }

  // Session statements split (client dialect) and hold no DDL: they must
  // not commit a step's transaction.
  static Status CheckSessionSql(const std::string& sql, const std::string& where) {
    if (sql.empty()) return Status::Ok();
    auto statements = internal::SplitScript(sql, SqlDialect::kClient, where);
    if (!statements.ok()) return Error(statements.status().message());
    for (const internal::ClassifiedStatement& classified : *statements) {
      const SqlStatement& statement = classified.statement;
      if (statement.kind == SqlStatement::Kind::kQuery && classified.info.commits_implicitly) {
        return Error(where + ": statement " + std::to_string(statement.index + 1) +
                     " causes an implicit commit; session statements must not");
      }
    }
    return Status::Ok();
  }

  std::string file_;
  std::string plugin_;  // "plugin '<file>'"
  bool check_sql_ = true;
  uint32_t plugin_abi_minor_ = 0;
  std::map<std::string, std::string> step_ids_;  // id -> "edge #i (...) step #j"
};

}  // namespace

std::string NormalizeSql(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  size_t pos = 0;
  while (pos <= sql.size()) {
    size_t end = sql.find('\n', pos);
    if (end == std::string_view::npos) end = sql.size();
    std::string_view line = sql.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    out.append(line);
    out += '\n';
    pos = end + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string SqlChecksum(std::string_view sql) { return "sha256:" + internal::Sha256Hex(NormalizeSql(sql)); }

Result<std::vector<std::string>> DiscoverPlugins(const std::vector<std::string>& dirs, const BundleTrust& trust) {
  std::set<std::string> files;
  for (const std::string& dir : dirs) {
    // Release bundles are verified (plugin/bundle.hpp) before any plugin code runs.
    CHIMP_ASSIGN_OR_RETURN(std::vector<std::string> scan, internal::BundleScanList(dir, trust));
    for (const std::string& d : scan) CHIMP_RETURN_IF_ERROR(ScanDirectory(d, &files));
  }
  return std::vector<std::string>(files.begin(), files.end());
}

namespace {

// Calls the entry of `library` (opened for `file`) and copies the
// descriptor it returns (with `check_sql`, DescriptorCopier's).
Result<LoadedPlugin> CallEntry(const std::string& file, const boost::dll::shared_library* library,
                               bool check_sql = true) {
  chimp_plugin_entry_fn entry = nullptr;
  try {
    if (!library->has(CHIMP_PLUGIN_ENTRY_SYMBOL)) {
      return Status::PluginError("plugin '" + file +
                                 "' does not export '" CHIMP_PLUGIN_ENTRY_SYMBOL
                                 "' (declare the plugin with CHIMP_PLUGIN, or export the entry with "
                                 "CHIMP_PLUGIN_EXPORT)");
    }
    entry = &library->get<chimp_status(const chimp_host*, const chimp_plugin**)>(CHIMP_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return Status::PluginError("plugin '" + file + "': cannot find '" CHIMP_PLUGIN_ENTRY_SYMBOL "': " + e.what());
  }

  chimp_error_ctx error_ctx;
  chimp_host host{};
  host.struct_size = sizeof(chimp_host);
  host.abi_major = CHIMP_ABI_MAJOR;
  host.abi_minor = CHIMP_ABI_MINOR;
  host.engine_version = CHIMP_ENGINE_VERSION;
  host.services = HostServices();
  host.error_ctx = &error_ctx;
  host.set_error = &HostSetError;

  const chimp_plugin* descriptor = nullptr;
  chimp_status status = CHIMP_ERROR;
  try {
    status = entry(&host, &descriptor);
  } catch (const std::exception& e) {  // a plugin that breaks convention 7
    return Status::PluginError("plugin '" + file + "': an exception escaped " CHIMP_PLUGIN_ENTRY_SYMBOL ": " +
                               e.what());
  } catch (...) {
    return Status::PluginError("plugin '" + file + "': an exception escaped " CHIMP_PLUGIN_ENTRY_SYMBOL);
  }
  const std::string reason = error_ctx.message.empty() ? "(no reason given)" : error_ctx.message;
  if (status == CHIMP_REFUSED) return Status::PluginError("plugin '" + file + "' refuses to load: " + reason);
  if (status != CHIMP_OK) {
    return Status::PluginError("plugin '" + file + "': " CHIMP_PLUGIN_ENTRY_SYMBOL " failed with status " +
                               DescribeAbiStatus(status) + ": " + reason);
  }
  return DescriptorCopier(file, check_sql).Copy(descriptor);
}

// A file a release bundle listed must be copied with the bytes the bundle
// verified: one replaced since is refused before any of its code runs.
// `now` is the SHA-256 of the image's bytes.
Status CheckBundled(const internal::PluginImage& image, const std::string& now) {
  const std::optional<std::string> verified = internal::BundledDigest(image.file());
  if (!verified.has_value()) return Status::Ok();
  if (now == *verified) return Status::Ok();
  return Status::PluginError("plugin '" + image.file() + "' changed after its bundle was verified: SHA-256 " + now +
                             ", the bundle's manifest says " + *verified);
}

// A digest of what the loader copied from a descriptor: the trial child's
// and chimp's own must be the same.
std::string DescriptorDigest(const LoadedPlugin& plugin) {
  std::string text = plugin.info->name + "\n" + plugin.info->version + "\n";
  for (const Edge& edge : plugin.edges) {
    text += "edge " + edge.Name() + "\n";
    for (const Step& step : edge.steps) text += step.id + " " + step.checksum + "\n";
  }
  for (const Repeatable& r : plugin.repeatables) text += "repeatable " + r.step.id + " " + r.step.checksum + "\n";
  return internal::Sha256Hex(text);
}

// The refusal of a plugin whose entry returned another descriptor in
// chimp than in its trial.
Status NotTheSame(const std::string& file) {
  return Status::PluginError("plugin '" + file +
                             "' returned another descriptor when loaded into chimp than in its trial load; "
                             "chimp_plugin_entry must return the same descriptor each time it is called");
}

// The SHA-256 of the bytes of `file` (canonical) known without reading
// them: the digest its release bundle verified in this process, else the
// cache's for the file's unchanged identity; nullopt when neither. The
// file is opened and, with `judge`, its owner and mode judged as
// PluginImage::Read judges them (its errors).
Result<std::optional<std::string>> KnownDigest(const internal::DescriptorCache& cache, const std::string& file,
                                               bool judge) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::optional<std::string>();  // PluginImage::Read reports it
  struct stat st {};
  const bool stated = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!stated) return std::optional<std::string>();
  if (judge) CHIMP_RETURN_IF_ERROR(internal::CheckTrustedStat(file, st));
  if (std::optional<std::string> bundled = internal::BundledDigest(file)) return bundled;
  return cache.KnownDigest(file, st);
}

// Loads `files` (canonical), in order: the bytes of each once into a
// private copy (owner and mode judged with `judge`), those copies first in
// one trial child, then in this process. A file already loaded is reused.
// With `cache`: a file whose bytes it holds a descriptor for is taken from
// it when `find` (none of its code runs), and every plugin loaded here is
// stored in it.
Result<std::vector<LoadedPlugin>> LoadFiles(const std::vector<std::string>& files, const PluginLoadOptions& options,
                                            bool judge, const internal::DescriptorCache* cache = nullptr,
                                            bool find = false, const std::set<std::string>* must_load = nullptr) {
  std::vector<internal::PluginImage> images;
  std::vector<std::string> new_files;
  std::vector<std::string> hashes;  // of images[i]
  std::map<std::string, LoadedPlugin> cached;
  for (const std::string& file : files) {
    if (FindLibrary(file) != nullptr) continue;
    const bool may_find = find && (must_load == nullptr || must_load->count(file) == 0);
    if (cache != nullptr && may_find && !options.check_bytes) {
      CHIMP_ASSIGN_OR_RETURN(std::optional<std::string> known, KnownDigest(*cache, file, judge));
      if (known) {
        if (std::optional<LoadedPlugin> hit = cache->Find(*known, file)) {
          cached.emplace(file, std::move(*hit));
          continue;
        }
      }
    }
    CHIMP_ASSIGN_OR_RETURN(internal::PluginImage image, internal::PluginImage::Read(file, judge));
    const std::string sha256 = image.Sha256();
    CHIMP_RETURN_IF_ERROR(CheckBundled(image, sha256));
    if (options.check_bytes) CHIMP_RETURN_IF_ERROR(options.check_bytes(image.file(), sha256));
    if (cache != nullptr && may_find) {
      if (std::optional<LoadedPlugin> hit = cache->Find(sha256, file)) {
        cache->RememberDigest(file, image.stat(), sha256);
        cached.emplace(file, std::move(*hit));
        continue;
      }
    }
    images.push_back(std::move(image));
    new_files.push_back(file);
    hashes.push_back(sha256);
  }
  std::vector<std::string> digests;
  const auto trial = [&images](size_t i) -> Result<std::string> {
    CHIMP_ASSIGN_OR_RETURN(const boost::dll::shared_library* library, OpenLibrary(images[i]));
    CHIMP_ASSIGN_OR_RETURN(LoadedPlugin plugin, CallEntry(images[i].file(), library, /*check_sql=*/false));
    return DescriptorDigest(plugin);
  };
  if (options.trial && !images.empty()) {
    CHIMP_ASSIGN_OR_RETURN(digests, internal::TryInChild(new_files, options.timeout, trial));
  }
  std::vector<LoadedPlugin> plugins;
  size_t next_image = 0;
  for (const std::string& file : files) {
    if (auto hit = cached.find(file); hit != cached.end()) {
      plugins.push_back(std::move(hit->second));
      continue;
    }
    const boost::dll::shared_library* library = FindLibrary(file);
    const bool fresh = library == nullptr;
    if (fresh) {
      CHIMP_ASSIGN_OR_RETURN(library, OpenLibrary(images[next_image]));
    }
    CHIMP_ASSIGN_OR_RETURN(LoadedPlugin plugin, CallEntry(file, library));
    if (fresh && !digests.empty() && DescriptorDigest(plugin) != digests[next_image]) return NotTheSame(file);
    // Only a descriptor that passed its trial and was copied here again is kept.
    if (fresh && cache != nullptr && !digests.empty()) {
      cache->Store(hashes[next_image], plugin);
      cache->RememberDigest(file, images[next_image].stat(), hashes[next_image]);
    }
    if (fresh) ++next_image;
    plugins.push_back(std::move(plugin));
  }
  return plugins;
}

}  // namespace

Result<LoadedPlugin> LoadPlugin(const std::string& path, const PluginLoadOptions& options) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return Status::NotFound("plugin '" + path + "' does not exist");
    return Status::PluginError("plugin '" + path + "': " + ec.message());
  }
  CHIMP_ASSIGN_OR_RETURN(std::vector<LoadedPlugin> plugins, LoadFiles({canonical.string()}, options, /*judge=*/false));
  return std::move(plugins.front());
}

Result<std::vector<LoadedPlugin>> LoadPlugins(const std::vector<std::string>& dirs, const PluginLoadOptions& options) {
  return internal::LoadPluginsWithCache(dirs, options, internal::DescriptorCacheUse::kNone);
}

bool internal::CodeLoaded(const std::string& file) { return FindLibrary(file) != nullptr; }

Result<std::vector<LoadedPlugin>> internal::LoadPluginsWithCache(const std::vector<std::string>& dirs,
                                                                 const PluginLoadOptions& options,
                                                                 DescriptorCacheUse use,
                                                                 const std::set<std::string>& must_load) {
  CHIMP_ASSIGN_OR_RETURN(std::vector<std::string> files, DiscoverPlugins(dirs, options.trust));
  std::optional<DescriptorCache> cache;
  if (use != DescriptorCacheUse::kNone) cache = DescriptorCache::FromEnvironment();
  CHIMP_ASSIGN_OR_RETURN(std::vector<LoadedPlugin> loaded,
                         LoadFiles(files, options, /*judge=*/true, cache ? &*cache : nullptr,
                                   use == DescriptorCacheUse::kFindAndStore, &must_load));
  std::vector<LoadedPlugin> plugins;
  std::map<std::string, std::string> names;     // plugin name -> file
  std::map<std::string, std::string> step_ids;  // step id -> file
  for (LoadedPlugin& plugin : loaded) {
    const std::string& file = plugin.info->file;
    auto [named, fresh] = names.emplace(plugin.info->name, file);
    if (!fresh) {
      return Status::PluginError("plugin name '" + plugin.info->name + "' is declared by both '" + named->second +
                                 "' and '" + file + "'");
    }
    std::vector<const Step*> steps;
    for (const Edge& edge : plugin.edges) {
      for (const Step& step : edge.steps) steps.push_back(&step);
    }
    for (const Repeatable& r : plugin.repeatables) steps.push_back(&r.step);
    for (const Step* step : steps) {
      auto [seen, first] = step_ids.emplace(step->id, file);
      if (!first) {
        return Status::PluginError("step id '" + step->id + "' is declared by both '" + seen->second + "' and '" +
                                   file + "'");
      }
    }
    plugins.push_back(std::move(plugin));
  }
  return plugins;
}

}  // namespace chimp
