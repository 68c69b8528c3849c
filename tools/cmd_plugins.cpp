// chimp plugins verify|list: plugins on their own, for CI and operators.
//
//   chimp plugins verify FILE... [--socket S ...] [--plugins DIR]
//                        [--from-schema FILE [--from-version V]] [--strict] [--format json]
//   chimp plugins list --plugins DIR [--format json]
//
// verify loads each plugin in a child process (a crash is reported, not
// inherited) and checks it; given a server (--socket, --host or --port, a
// CHIMP_* variable or a socket/host from the config file; not the MySQL
// option files, Context::server_named) it also applies each edge on a scratch
// database, reaching its from-version with the earlier releases' plugins or
// a schema file, else preparing its statements (core: chimp/verify.hpp). An
// edge it could not apply makes the exit status 13 (kExitNotFullyVerified),
// as does --strict without a server. list shows what discovery finds.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "chimp/loader.hpp"
#include "chimp/verify.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct PluginsOptions {
  std::vector<std::string> files;
  std::vector<std::string> plugin_dirs;  // verify's own --plugins (one value each)
  bool no_apply = false;
  bool strict = false;
  std::string from_schema;
  std::string from_version;
  int64_t timeout_s = 600;
};

std::string AbiText(const VerifyReport& r) { return std::to_string(r.abi_major) + "." + std::to_string(r.abi_minor); }

size_t StepCount(const VerifyReport& r) {
  size_t n = 0;
  for (const VerifyEdge& e : r.edges) n += e.steps.size();
  return n;
}

std::string Plural(size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// Plugin problems first (3), then failed steps (8) and checks (11), else the
// first problem; with no problem, 13 when `incomplete` (an edge not applied,
// or --strict without a server).
int ExitCodeOf(const std::vector<VerifyReport>& reports, bool incomplete = false) {
  std::vector<StatusCode> codes;
  for (const VerifyReport& r : reports) {
    for (const VerifyProblem& p : r.problems) codes.push_back(p.code);
  }
  if (codes.empty()) return incomplete ? kExitNotFullyVerified : kExitOk;
  for (StatusCode c : {StatusCode::kPluginError, StatusCode::kStepFailed, StatusCode::kCheckFailed}) {
    if (std::find(codes.begin(), codes.end(), c) != codes.end()) return ExitCodeFor(c);
  }
  return ExitCodeFor(codes.front());
}

Json ReportToJson(const VerifyReport& r) {
  Json j = {{"file", r.file},
            {"ok", r.ok()},
            {"complete", r.complete()},
            {"loaded", r.loaded},
            {"crash_signal", r.crash_signal},
            {"name", r.name},
            {"version", r.version},
            {"description", r.description},
            {"abi", AbiText(r)},
            {"min_host_minor", r.min_host_minor},
            {"embedded_sql_files", r.embedded_sql_files},
            {"edge_count", r.edges.size()},
            {"step_count", StepCount(r)}};
  Json edges = Json::array();
  for (const VerifyEdge& e : r.edges) {
    Json steps = Json::array();
    for (const VerifyStep& s : e.steps) {
      steps.push_back({{"id", s.id},
                       {"kind", s.kind},
                       {"phase", s.phase},
                       {"checksum", s.checksum},
                       {"source", s.source},
                       {"statements", s.statements}});
    }
    Json je = {{"from", e.from}, {"to", e.to}, {"steps", steps}};
    je["applied"] = e.applied == VerifyOutcome::kNotRun ? Json(nullptr) : Json(VerifyOutcomeName(e.applied));
    je["detail"] = e.detail;
    je["steps_run"] = e.steps_run;
    je["statements"] = e.statements;
    je["prepared"] = e.prepared;
    Json unchecked = Json::array();
    for (const VerifyUnchecked& u : e.unchecked) {
      unchecked.push_back(
          {{"step", u.step}, {"source", u.source}, {"line", u.line}, {"statement", u.statement}, {"reason", u.reason}});
    }
    je["unchecked"] = std::move(unchecked);
    edges.push_back(std::move(je));
  }
  j["edges"] = std::move(edges);
  Json problems = Json::array();
  for (const VerifyProblem& p : r.problems) {
    problems.push_back(
        {{"code", std::string(StatusCodeName(p.code))}, {"exit_code", ExitCodeFor(p.code)}, {"message", p.message}});
  }
  j["problems"] = std::move(problems);
  return j;
}

// "ok", "FAIL", or "PART" (no problem, but an edge was not applied).
const char* Verdict(const VerifyReport& r, bool applied) {
  if (!r.ok()) return "FAIL  ";
  return applied && !r.complete() ? "PART  " : "ok    ";
}

std::string UncheckedText(const VerifyUnchecked& u) {
  std::string out = "not checked: step '" + u.step + "'";
  if (!u.statement.empty()) {
    out += " (" + (u.source.empty() ? "step '" + u.step + "'" : u.source) + ", line " + std::to_string(u.line) + ": " +
           u.statement + ")";
  }
  return out + ": " + u.reason;
}

void PrintReportText(const VerifyReport& r, bool applied) {
  std::cout << Verdict(r, applied) << r.file;
  if (r.loaded) {
    std::cout << "  " << r.name << ' ' << r.version << "  ABI " << AbiText(r) << "  " << Plural(r.edges.size(), "edge")
              << ", " << Plural(StepCount(r), "step");
    if (r.embedded_sql_files > 0) std::cout << ", " << Plural(r.embedded_sql_files, "embedded SQL file");
  }
  std::cout << '\n';
  for (const VerifyEdge& e : r.edges) {
    std::cout << "      " << EdgeText(e.from, e.to) << "  " << Plural(e.steps.size(), "step");
    if (applied) {
      if (e.applied == VerifyOutcome::kApplied) {
        std::cout << ": applied on a scratch database (" << Plural(static_cast<size_t>(e.steps_run), "step") << " run"
                  << (e.detail.empty() ? "" : "; " + e.detail) << ")";
      } else if (e.applied == VerifyOutcome::kNotApplied) {
        std::cout << ": not applied: " << e.detail << " (the server prepared " << e.prepared << " of "
                  << Plural(static_cast<size_t>(e.statements), "statement") << ")";
      } else if (e.applied == VerifyOutcome::kFailed) {
        std::cout << ": FAILED (below)";
      }
    }
    std::cout << '\n';
    for (const VerifyUnchecked& u : e.unchecked) std::cout << "        " << UncheckedText(u) << '\n';
  }
  for (const VerifyProblem& p : r.problems) std::cout << "      error: " << p.message << '\n';
}

// The last line of the text output.
std::string SummaryText(const std::vector<VerifyReport>& reports, bool apply, size_t failed, size_t partial) {
  std::string out = "verified " + Plural(reports.size(), "plugin") + ": " +
                    std::to_string(reports.size() - failed - partial) + " ok, " + std::to_string(failed) + " failed";
  if (partial > 0) {
    out += ", " + std::to_string(partial) +
           " not fully verified (an edge not applied: give the earlier releases with --plugins DIR or a schema "
           "file with --from-schema FILE)";
  }
  if (!apply) {
    out +=
        " (static checks only: the SQL's syntax was not checked; give --socket or --host to have the server "
        "parse and apply the edges)";
  }
  return out;
}

int RunVerify(const Context& ctx, const PluginsOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "plugins verify", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  VerifyOptions vo;
  const bool apply = !opts.no_apply && ctx.server_named;
  if (apply) vo.server = ctx.options.connection;
  vo.plugin_dirs = ctx.options.plugin_dirs;
  vo.plugin_dirs.insert(vo.plugin_dirs.end(), opts.plugin_dirs.begin(), opts.plugin_dirs.end());
  vo.timeout = std::chrono::seconds(std::max<int64_t>(1, opts.timeout_s));
  vo.from_schema = opts.from_schema;
  vo.from_schema_version = opts.from_version;
  if (!opts.from_version.empty() && opts.from_schema.empty()) {
    return Fail(Status::InvalidArgument("--from-version names the version of a --from-schema file: give both"));
  }
  if (!opts.from_schema.empty() && !apply) {
    return Fail(Status::InvalidArgument("--from-schema '" + opts.from_schema +
                                        "' is loaded on a scratch database: give a server (--socket or --host)"));
  }

  std::vector<VerifyReport> reports;
  for (const std::string& file : opts.files) {
    Result<VerifyReport> report = VerifyPlugin(file, vo);
    if (!report.ok()) return Fail(report.status());
    reports.push_back(std::move(report).value());
  }
  const size_t failed =
      static_cast<size_t>(std::count_if(reports.begin(), reports.end(), [](const VerifyReport& r) { return !r.ok(); }));
  const size_t partial =
      apply ? static_cast<size_t>(std::count_if(reports.begin(), reports.end(),
                                                [](const VerifyReport& r) { return r.ok() && !r.complete(); }))
            : 0;
  const bool complete = apply ? partial == 0 : false;
  const int code = ExitCodeOf(reports, partial > 0 || (!apply && opts.strict));
  const std::string summary = SummaryText(reports, apply, failed, partial);
  if (*format == "json") {
    Json plugins = Json::array();
    for (const VerifyReport& r : reports) plugins.push_back(ReportToJson(r));
    PrintJson({{"ok", failed == 0 && (complete || !apply)},
               {"complete", complete},
               {"applied", apply},
               {"plugins", plugins},
               {"error", code == kExitOk ? Json(nullptr) : ErrorJson(code, summary)}});
  } else {
    for (const VerifyReport& r : reports) PrintReportText(r, apply);
    std::cout << summary << '\n';
  }
  return code;
}

int RunList(const Context& ctx, const PluginsOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "plugins list", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  if (ctx.options.plugin_dirs.empty()) {
    return Fail(Status::InvalidArgument(
        "'plugins list' needs the plugin directories: --plugins DIR or [plugins] paths in the config file"));
  }
  Result<std::vector<std::string>> files = DiscoverPlugins(ctx.options.plugin_dirs, ctx.options.bundle_trust);
  if (!files.ok()) return Fail(files.status());
  VerifyOptions vo;  // no server: load and static checks, in a child each
  vo.timeout = std::chrono::seconds(std::max<int64_t>(1, opts.timeout_s));
  std::vector<VerifyReport> reports;
  for (const std::string& file : *files) {
    Result<VerifyReport> report = VerifyPlugin(file, vo);
    if (!report.ok()) return Fail(report.status());
    reports.push_back(std::move(report).value());
  }
  // Listing succeeds even when a plugin is broken, unless one could not be read.
  const int code = ExitCodeOf(reports);
  if (*format == "json") {
    std::string first;
    for (const VerifyReport& r : reports) {
      if (first.empty() && !r.problems.empty()) first = r.file + ": " + r.problems.front().message;
    }
    Json plugins = Json::array();
    for (const VerifyReport& r : reports) plugins.push_back(ReportToJson(r));
    PrintJson({{"plugin_dirs", ctx.options.plugin_dirs},
               {"plugins", plugins},
               {"error", code == kExitOk ? Json(nullptr) : ErrorJson(code, first)}});
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const VerifyReport& r : reports) {
      std::string edges;
      for (const VerifyEdge& e : r.edges) {
        edges += (edges.empty() ? "" : ", ") + EdgeText(e.from, e.to) + " (" + std::to_string(e.steps.size()) + ")";
      }
      std::string status = r.ok() ? "ok" : "error: " + FirstLine(r.problems.front().message, 100);
      rows.push_back({r.file, r.loaded ? r.name : "-", r.loaded ? r.version : "-", r.loaded ? AbiText(r) : "-",
                      std::to_string(r.edges.size()), std::to_string(StepCount(r)), edges.empty() ? "-" : edges,
                      status});
    }
    if (rows.empty()) {
      std::cout << "no plugins in the plugin directories\n";
    } else {
      PrintTable(std::cout, {"FILE", "NAME", "VERSION", "ABI", "EDGES", "STEPS", "PATHS (steps)", "STATUS"}, rows);
    }
  }
  return code;
}

}  // namespace

CommandRun RegisterPlugins(CLI::App* app) {
  auto opts = std::make_shared<PluginsOptions>();
  app->require_subcommand(1);
  CLI::App* verify = app->add_subcommand(
      "verify",
      "Load each plugin in a child process and check it (ABI, descriptors, versions, ids, checksums, SQL);\n"
      "with a server (--socket/--host), apply its edges on a scratch database that is dropped afterwards");
  verify->fallthrough();
  verify->add_option("files", opts->files, "Plugin files (.so)")->required()->type_name("FILE");
  // Its own --plugins, taking one directory per flag, so that the files can
  // follow it (the global --plugins would swallow them).
  verify
      ->add_option("--plugins", opts->plugin_dirs,
                   "Directory of the other plugins, to reach an edge's from-version first; repeatable")
      ->type_name("DIR")
      ->allow_extra_args(false)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  verify->add_flag("--no-apply", opts->no_apply, "Static checks only, even when a server is configured");
  verify
      ->add_option("--from-schema", opts->from_schema,
                   "A schema file (mariadb-dump --no-data) of an earlier version, to reach an edge's from-version")
      ->type_name("FILE");
  verify
      ->add_option("--from-version", opts->from_version,
                   "The version the --from-schema file stands for (Default: its '-- chimp-schema-version: V' line)")
      ->type_name("V");
  verify->add_flag("--strict", opts->strict,
                   "Exit 13 unless every edge was applied on a server (also without a server)");
  verify->add_option("--timeout", opts->timeout_s, "Seconds allowed per plugin (Default: 600)")->type_name("S");
  CLI::App* list = app->add_subcommand(
      "list", "Show the plugins found in the --plugins directories: file, name, version, ABI, edges, steps");
  list->fallthrough();
  return [opts, verify, list](const Context& ctx) {
    if (verify->parsed()) return RunVerify(ctx, *opts);
    if (list->parsed()) return RunList(ctx, *opts);
    return Fail(Status::InvalidArgument("'plugins' needs a command: verify or list"));
  };
}

}  // namespace chimp::cli
