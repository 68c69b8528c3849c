// VerifyPlugin: a plugin checked on its own, in a child process. See
// chimp/verify.hpp.
//
// The child writes its report as one JSON document into a pipe and exits
// with _exit (no atexit handlers, no static destructors of the plugin); the
// parent reads it, reaps the child and turns a signal into a problem.
#include "chimp/verify.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimp/catalog.hpp"
#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/executor.hpp"
#include "chimp/loader.hpp"
#include "chimp/model.hpp"
#include "chimp/planner.hpp"
#include "chimp/sql_splitter.hpp"
#include "engine/prepare_check.hpp"
#include "engine/schema_file.hpp"
#include "sql/statement_source.hpp"
#include "util/child_process.hpp"
#include "util/fd_io.hpp"
#include "util/json.hpp"
#include "util/sha256.hpp"

namespace chimp {
namespace {

constexpr std::string_view kManifestMagic = "CHIMP-SQL-MANIFEST 1\n";

// --- static checks ----------------------------------------------------------

struct ManifestEntry {
  std::string sha256;  // "sha256:<hex>"
  size_t size = 0;
  std::string name;
};

// The manifest chimp_add_plugin compiled into the library file, found by
// its magic line in the file's bytes (every copy is read, duplicates dropped).
std::vector<ManifestEntry> ReadManifest(const std::string& file, std::vector<VerifyProblem>* problems) {
  std::vector<ManifestEntry> out;
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t at = bytes.find(kManifestMagic); at != std::string::npos; at = bytes.find(kManifestMagic, at + 1)) {
    const size_t end = bytes.find('\0', at);
    std::istringstream lines(bytes.substr(at + kManifestMagic.size(), end - at - kManifestMagic.size()));
    std::string line;
    while (std::getline(lines, line)) {
      ManifestEntry e;
      std::istringstream fields(line);
      if (!(fields >> e.sha256 >> e.size >> e.name) || e.sha256.rfind("sha256:", 0) != 0) {
        problems->push_back({StatusCode::kPluginError,
                             "plugin '" + file + "': malformed line in the embedded SQL manifest: '" + line + "'"});
        continue;
      }
      // The same manifest may appear twice (debug information keeps a copy).
      const bool seen = std::any_of(out.begin(), out.end(),
                                    [&](const ManifestEntry& m) { return m.name == e.name && m.sha256 == e.sha256; });
      if (!seen) out.push_back(std::move(e));
    }
  }
  return out;
}

// Whether one path is the other or a tail of it after a '/' (how
// chimp::sdk::EmbeddedSql finds a file): "sql/V2.sql" and "V2.sql".
bool SameFile(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a == b) return true;
  return a.size() > b.size() && a[a.size() - b.size() - 1] == '/' && a.substr(a.size() - b.size()) == b;
}

// Splits every SQL step and check; checks SQL steps whose source names an
// embedded file against its checksum.
void CheckSteps(const LoadedPlugin& plugin, const std::vector<ManifestEntry>& manifest, VerifyReport* report) {
  const std::string& file = plugin.info->file;
  for (const Edge& edge : plugin.edges) {
    VerifyEdge ve;
    ve.from = edge.from.ToString();
    ve.to = edge.to.ToString();
    for (const Step& step : edge.steps) {
      VerifyStep vs;
      vs.id = step.id;
      vs.kind = StepKindName(step.kind);
      vs.phase = PhaseName(step.phase);
      vs.checksum = step.checksum;
      vs.source = step.source;
      if (step.kind == StepKind::kSql) {
        // The client dialect for every step, as verify has always split.
        auto statements = internal::SplitScript(step.sql, SqlDialect::kClient,
                                                step.source.empty() ? "step '" + step.id + "'" : step.source);
        if (!statements.ok()) {
          report->problems.push_back({StatusCode::kPluginError, "plugin '" + file + "' step '" + step.id +
                                                                    "': " + statements.status().message()});
        } else {
          vs.statements = static_cast<int32_t>(statements->size());
          if (statements->empty()) {
            report->problems.push_back(
                {StatusCode::kPluginError, "plugin '" + file + "' step '" + step.id + "': the SQL has no statement"});
          }
        }
        if (!step.source.empty()) {
          for (const ManifestEntry& m : manifest) {
            if (!SameFile(m.name, step.source)) continue;
            const std::string actual = "sha256:" + internal::Sha256Hex(step.sql);
            if (actual != m.sha256) {
              report->problems.push_back({StatusCode::kPluginError, "plugin '" + file + "' step '" + step.id +
                                                                        "': its SQL is not the embedded file '" +
                                                                        m.name + "' it names as source (manifest " +
                                                                        m.sha256 + ", step " + actual + ")"});
            }
            break;
          }
        }
      }
      ve.steps.push_back(std::move(vs));
    }
    report->edges.push_back(std::move(ve));
  }
}

// --- applying on a scratch database ------------------------------------------

// Loading in the verify child: no trial child of its own (VerifyPlugin
// reports a crash of this one).
PluginLoadOptions InThisChild() {
  PluginLoadOptions options;
  options.trial = false;
  return options;
}

// The expand steps of `edge` as a plan from edge.from to edge.to, then its
// cleanup steps as a cleanup plan. The expand plan starts with every
// run-before repeatable of the catalog (procedures an upgrade script calls),
// as `migrate` would run them before a path.
Plan EdgePlan(const Catalog& catalog, const Edge& edge, Phase phase) {
  Plan plan;
  plan.current = phase == Phase::kExpand ? edge.from : edge.to;
  plan.target = edge.to;
  plan.phase = phase;
  if (phase == Phase::kExpand) {
    plan.path.push_back(&edge);
    for (const LoadedPlugin& p : catalog.plugins()) {
      for (const Repeatable& r : p.repeatables) {
        if (r.when != RepeatableWhen::kBefore || r.edge == nullptr) continue;
        PlannedStep planned;
        planned.edge = r.edge.get();
        planned.step = &r.step;
        planned.repeatable = true;
        planned.when = RepeatableWhen::kBefore;
        planned.reason = "verify";
        plan.steps.push_back(planned);
      }
    }
  }
  for (const Step& step : edge.steps) {
    if (step.phase != phase) continue;
    PlannedStep p;
    p.edge = &edge;
    p.step = &step;
    plan.steps.push_back(p);
  }
  return plan;
}

std::string PathText(const Plan& plan) {
  std::string out;
  for (const Edge* e : plan.path) out += (out.empty() ? "" : ", ") + e->Name();
  return out;
}

// What the edges are applied with: the options, and the schema file read.
struct ApplyContext {
  const VerifyOptions& options;
  const internal::SchemaFile* schema = nullptr;  // none when null
  std::string skipped;                           // other plugins that did not load
};

// The plan from where the changelog says the scratch database is to `target`,
// without the run-after repeatables: views belong to the newest schema, not
// to an intermediate version.
Result<Plan> PlanTo(const Catalog& catalog, Changelog& changelog, const Version& target) {
  CHIMP_ASSIGN_OR_RETURN(ChangelogState state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(std::vector<ChangelogEntry> entries, changelog.ReadEntries());
  PlanRequest request;
  request.target = target;
  CHIMP_ASSIGN_OR_RETURN(Plan plan, MakePlan(catalog, state, entries, request));
  std::erase_if(plan.steps, [](const PlannedStep& p) { return p.repeatable && p.when == RepeatableWhen::kAfter; });
  return plan;
}

enum class Reach { kReached, kNotReached, kFailed };

// Runs `plan` (the way to edge.from); kFailed with the problem reported.
Reach RunPrefix(Connection& conn, Changelog& changelog, const Plan& plan, const std::string& db, const Edge& edge,
                const std::string& way, VerifyEdge* out, VerifyReport* report) {
  out->detail = "reached " + edge.from.ToString() + " " + way;
  if (plan.steps.empty()) return Reach::kReached;
  auto run = ExecutePlan(plan, conn, changelog, db, NewRunId(), nullptr);
  if (run.ok()) return Reach::kReached;
  out->applied = VerifyOutcome::kFailed;
  out->detail = "while reaching " + edge.from.ToString() + " " + way + ": " + run.status().message();
  report->problems.push_back(
      {run.status().code(), "plugin '" + report->file + "' edge " + edge.Name() + ": " + out->detail});
  return Reach::kFailed;
}

// Brings `db` to edge.from from the schema file, then with the plugins.
Reach ReachFromSchema(Connection& conn, const Catalog& catalog, const Edge& edge, Changelog& changelog,
                      const std::string& db, const internal::SchemaFile& schema, VerifyEdge* out,
                      VerifyReport* report) {
  if (edge.from < schema.version) return Reach::kNotReached;
  Status loaded = internal::LoadSchemaFile(conn, schema, db);
  if (loaded.ok()) loaded = changelog.SetVersion(schema.version, NewRunId());
  if (!loaded.ok()) {
    out->applied = VerifyOutcome::kFailed;
    out->detail = "loading the schema file: " + loaded.message();
    report->problems.push_back(
        {loaded.code(), "plugin '" + report->file + "' edge " + edge.Name() + ": " + out->detail});
    return Reach::kFailed;
  }
  const std::string from_file = "from the schema file '" + schema.path + "'";
  if (edge.from == schema.version) {
    out->detail = "reached " + edge.from.ToString() + " " + from_file;
    return Reach::kReached;
  }
  auto prefix = PlanTo(catalog, changelog, edge.from);
  if (!prefix.ok()) return Reach::kNotReached;
  return RunPrefix(conn, changelog, *prefix, db, edge,
                   from_file + " (" + schema.version.ToString() + ") and " + PathText(*prefix), out, report);
}

// Brings `db` to edge.from: with the plugins from the empty database, else
// from the schema file. kNotReached leaves `db` as it is and says in
// out->detail what the edge needs.
Reach ReachFrom(Connection& conn, const Catalog& catalog, const Edge& edge, Changelog& changelog, const std::string& db,
                const ApplyContext& ctx, VerifyEdge* out, VerifyReport* report) {
  if (edge.from.empty()) return Reach::kReached;
  auto prefix = PlanTo(catalog, changelog, edge.from);
  if (prefix.ok()) return RunPrefix(conn, changelog, *prefix, db, edge, "through " + PathText(*prefix), out, report);
  if (ctx.schema != nullptr) {
    const Reach r = ReachFromSchema(conn, catalog, edge, changelog, db, *ctx.schema, out, report);
    if (r != Reach::kNotReached) return r;
  }
  const std::string from = edge.from.ToString();
  out->applied = VerifyOutcome::kNotApplied;
  out->detail = "needs " + from;
  if (!ctx.options.plugin_dirs.empty()) out->detail += " (" + prefix.status().message() + ")";
  if (ctx.schema != nullptr) {
    out->detail += " (the schema file '" + ctx.schema->path + "' is of " + ctx.schema->version.ToString() +
                   ", and no plugin leads from there to " + from + ")";
  }
  if (!ctx.skipped.empty()) out->detail += " (" + ctx.skipped + ")";
  out->detail += "; give the earlier releases' plugins (--plugins DIR) or a schema file of " + from +
                 " (--from-schema FILE --from-version " + from + "). Its statements were prepared, not run";
  return Reach::kNotReached;
}

// Applies `edge` on database `db` with changelog schema `log`, reaching its
// from-version first; when it cannot be reached, prepares its statements.
void ApplyEdge(Connection& conn, const Catalog& catalog, const Edge& edge, const std::string& db,
               const std::string& log, const ApplyContext& ctx, VerifyEdge* out, VerifyReport* report) {
  const std::string where = "plugin '" + report->file + "' edge " + edge.Name();
  Changelog changelog(conn, log, db);
  if (Status s = changelog.EnsureTables(); !s.ok()) {
    out->applied = VerifyOutcome::kFailed;
    out->detail = "creating the scratch changelog: " + s.message();
    report->problems.push_back({s.code(), where + ": " + out->detail});
    return;
  }
  const Reach reach = ReachFrom(conn, catalog, edge, changelog, db, ctx, out, report);
  if (reach == Reach::kNotReached) internal::PrepareEdge(conn, edge, db + "_p", where, out, &report->problems);
  if (reach != Reach::kReached) return;
  for (Phase phase : {Phase::kExpand, Phase::kCleanup}) {
    const Plan plan = EdgePlan(catalog, edge, phase);
    if (plan.steps.empty() && phase == Phase::kCleanup) continue;
    auto run = ExecutePlan(plan, conn, changelog, db, NewRunId(), nullptr);
    if (!run.ok()) {
      // How `from` was reached (a schema file, a path) says what the failing
      // statement ran on.
      out->applied = VerifyOutcome::kFailed;
      out->detail = (out->detail.empty() ? "" : out->detail + ", then: ") + run.status().message();
      report->problems.push_back({run.status().code(), where + ": " + out->detail});
      return;
    }
    out->steps_run += run->steps_run;
  }
  out->applied = VerifyOutcome::kApplied;
}

// The plugin and the other plugins, without this one (the same file, or
// another build of it); *skipped names those that did not load.
Result<std::vector<LoadedPlugin>> WithOthers(const LoadedPlugin& plugin, const VerifyOptions& options,
                                             std::string* skipped) {
  std::vector<LoadedPlugin> all;
  all.push_back(plugin);
  if (options.plugin_dirs.empty()) return all;
  auto files = DiscoverPlugins(options.plugin_dirs);
  if (!files.ok()) return files.status().WithContext("--plugins");
  for (const std::string& f : *files) {
    if (f == plugin.info->file) continue;
    auto other = LoadPlugin(f, InThisChild());
    if (!other.ok()) {
      // Not this plugin's fault: left out; an edge it was needed for is
      // then "not applied", with this reason.
      *skipped += (skipped->empty() ? "" : "; ") + std::string("left out: ") + other.status().message();
      continue;
    }
    if (other->info->name == plugin.info->name) continue;
    all.push_back(std::move(other).value());
  }
  return all;
}

void ApplyEdges(const LoadedPlugin& plugin, const VerifyOptions& options, const internal::SchemaFile* schema,
                const std::string& prefix, VerifyReport* report) {
  ApplyContext ctx{options, schema, ""};
  auto all = WithOthers(plugin, options, &ctx.skipped);
  if (!all.ok()) {
    report->problems.push_back({all.status().code(), all.status().message()});
    return;
  }
  auto catalog = Catalog::Build(std::move(all).value());
  if (!catalog.ok()) {
    report->problems.push_back({catalog.status().code(), catalog.status().message()});
    return;
  }
  const LoadedPlugin& mine = (*catalog)->plugins().front();

  auto conn = Connection::Open(*options.server);
  if (!conn.ok()) {
    report->problems.push_back({conn.status().code(), "connecting to apply the edges: " + conn.status().message()});
    return;
  }
  for (size_t i = 0; i < mine.edges.size(); ++i) {
    const std::string db = prefix + "_" + std::to_string(i);
    ApplyEdge(**conn, **catalog, mine.edges[i], db, db + "_log", ctx, &report->edges[i], report);
  }
}

// --- the child --------------------------------------------------------------

VerifyReport VerifyInProcess(const std::string& path, const VerifyOptions& options, const internal::SchemaFile* schema,
                             const std::string& prefix) {
  VerifyReport report;
  report.file = path;
  auto loaded = LoadPlugin(path, InThisChild());
  if (!loaded.ok()) {
    report.problems.push_back(
        {loaded.status().code() == StatusCode::kNotFound ? StatusCode::kNotFound : StatusCode::kPluginError,
         loaded.status().message()});
    return report;
  }
  const LoadedPlugin& plugin = *loaded;
  report.loaded = true;
  report.name = plugin.info->name;
  report.version = plugin.info->version;
  report.description = plugin.info->description;
  report.abi_major = plugin.info->abi_major;
  report.abi_minor = plugin.info->abi_minor;
  report.min_host_minor = plugin.info->min_host_minor;
  const std::vector<ManifestEntry> manifest = ReadManifest(plugin.info->file, &report.problems);
  report.embedded_sql_files = static_cast<int32_t>(manifest.size());
  CheckSteps(plugin, manifest, &report);
  if (options.server && report.problems.empty()) ApplyEdges(plugin, options, schema, prefix, &report);
  return report;
}

std::string RandomHex(size_t bytes) {
  std::string out;
  std::ifstream in("/dev/urandom", std::ios::binary);
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    const int c = in.get();
    const unsigned v = c < 0 ? static_cast<unsigned>(getpid() + i) & 0xff : static_cast<unsigned>(c);
    out += kHex[v >> 4];
    out += kHex[v & 15];
  }
  return out;
}

// Drops every database whose name starts with `prefix` (the child's scratch
// databases and changelog schemas).
void DropScratch(const ConnectionOptions& server, const std::string& prefix, VerifyReport* report) {
  auto conn = Connection::Open(server);
  if (!conn.ok()) return;  // the child reported the server already
  auto rows = (*conn)->Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
  if (!rows.ok()) return;
  for (const Row& row : rows->rows) {
    if (row.empty()) continue;
    const std::string name = row[0].ToString();
    if (name.rfind(prefix + "_", 0) != 0) continue;
    auto dropped = (*conn)->Execute("DROP DATABASE IF EXISTS " + Connection::QuoteIdentifier(name));
    if (!dropped.ok()) {
      report->problems.push_back(
          {dropped.status().code(), "dropping the scratch database '" + name + "': " + dropped.status().message()});
    }
  }
}

}  // namespace

Result<VerifyReport> VerifyPlugin(const std::string& path, const VerifyOptions& options) {
  std::optional<internal::SchemaFile> schema;
  if (!options.from_schema.empty()) {
    CHIMP_ASSIGN_OR_RETURN(schema, internal::ReadSchemaFile(options.from_schema, options.from_schema_version));
  }
  // Unique to this call: a name of our own, never a database that exists.
  const std::string prefix = "chimp_verify_" + RandomHex(6);
  // The child: whatever the plugin prints goes to stderr, never into the
  // parent's output; the report comes back through report_fd.
  internal::ChildOptions child;
  child.timeout = options.timeout;
  auto run = internal::RunChild(
      [&](int report_fd) {
        try {
          const VerifyReport report = VerifyInProcess(path, options, schema ? &*schema : nullptr, prefix);
          const std::string encoded = internal::EncodeVerifyReport(report);
          return !encoded.empty() && internal::WriteAll(report_fd, encoded) ? 0 : 3;
        } catch (...) {
          return 4;
        }
      },
      child);
  if (!run.ok()) return Status::Internal("verify: " + run.status().message());
  const std::string& data = run->output;
  const int wstatus = run->wait_status;
  const bool timed_out = run->timed_out;

  VerifyReport report;
  report.file = path;
  if (timed_out) {
    report.problems.push_back({StatusCode::kPluginError, "plugin '" + path + "': verification did not finish within " +
                                                             std::to_string(options.timeout.count()) +
                                                             " s; the child was killed"});
  } else if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    report.crash_signal = sig;
    const char* sig_name = sigabbrev_np(sig);
    report.problems.push_back(
        {StatusCode::kPluginError, "plugin '" + path + "' crashed the process verifying it: signal " +
                                       std::to_string(sig) + " (SIG" + (sig_name != nullptr ? sig_name : "?") + ", " +
                                       strsignal(sig) + ")" + (data.empty() ? " while loading" : "")});
  } else if (data.empty() || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    report.problems.push_back(
        {StatusCode::kPluginError, "plugin '" + path + "': the process verifying it exited with status " +
                                       std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) +
                                       " without a report (did the plugin call exit()?)"});
  } else {
    auto decoded = internal::DecodeVerifyReport(data);
    if (decoded.ok()) {
      report = std::move(decoded).value();
    } else {
      report.problems.push_back(
          {StatusCode::kInternal, "plugin '" + path + "': unreadable report: " + decoded.status().message()});
    }
  }
  if (options.server) DropScratch(*options.server, prefix, &report);
  return report;
}

}  // namespace chimp
