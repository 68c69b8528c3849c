// chimp baseline: marks a database chimp has not migrated yet as being at
// a version, running nothing (engine.hpp; doc/operations.md).
#include <set>

#include "chimp/engine.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"

namespace chimp {

namespace {

bool GraphKnows(const Catalog& catalog, const Version& version) {
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    const Edge& e = catalog.edge(i);
    if (e.from == version || e.to == version) return true;
  }
  return false;
}

std::string KnownVersions(const Catalog& catalog) {
  std::set<Version> versions;
  for (size_t i = 0; i < catalog.edge_count(); ++i) {
    if (!catalog.edge(i).from.empty()) versions.insert(catalog.edge(i).from);
    versions.insert(catalog.edge(i).to);
  }
  std::string out;
  for (const Version& v : versions) out += (out.empty() ? "" : ", ") + v.ToString();
  return out.empty() ? "none" : out;
}

// FailedPrecondition unless the changelog has nothing for the target.
Status RequireUnmigrated(const EngineOptions& options, Changelog& changelog) {
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  if (entries.empty() && state.version.empty()) return Status::Ok();
  return Status::FailedPrecondition(
      "baseline refused: the changelog in schema '" + options.changelog_schema + "' already has " +
      std::to_string(entries.size()) + (entries.size() == 1 ? " entry" : " entries") + " for database '" +
      options.database + "' (current version " + (state.version.empty() ? "(empty)" : state.version.ToString()) +
      "); baseline is only for a database chimp has not migrated yet (see chimp status, chimp log)");
}

// The version the first plugin's legacy version query finds, into
// report->version and report->source.
Status FindLegacyVersion(Connection& conn, const Catalog& catalog, BaselineReport* report) {
  std::string tried;
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    const std::string& query = plugin.info->legacy_version_query;
    if (query.empty()) continue;
    const std::string source = "legacy version query of plugin '" + plugin.info->file + "'";
    auto found = conn.QueryScalar(query);
    if (!found.ok()) {
      tried += "; " + source + " failed: " + found.status().message();
      continue;
    }
    if (!found->has_value() || (*found)->is_null() || (*found)->ToString().empty()) {
      tried += "; " + source + " (" + query + ") returned no version";
      continue;
    }
    CHIMP_ASSIGN_OR_RETURN(report->version, Version::Parse((*found)->ToString(), source));
    report->source = source + " (" + query + ")";
    return Status::Ok();
  }
  return Status::NotFound("baseline: no --version given and " +
                          (tried.empty() ? std::string("no installed plugin provides a legacy version query")
                                         : "no legacy version query found a version" + tried) +
                          "; give --version V");
}

// The baseline row, the target's version and the audit row, in one
// transaction.
Status RecordBaseline(internal::Target& target, const BaselineReport& report) {
  Changelog& changelog = *target.changelog;
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  return internal::InTransaction(*target.conn, [&]() -> Status {
    ChangelogEntry entry;
    entry.run_id = report.run_id;
    entry.step_id = kBaselineStepId;
    entry.edge_to = report.version.ToString();
    entry.description = "baseline: database marked as being at " + report.version.ToString() + " (" + report.source +
                        "); nothing was run";
    entry.engine_version = EngineVersion();
    CHIMP_ASSIGN_OR_RETURN(int64_t id, changelog.InsertBaseline(entry));
    CHIMP_RETURN_IF_ERROR(changelog.SetVersion(report.version, report.run_id));
    RepairRecord audit;
    audit.run_id = report.run_id;
    audit.action = RepairKindName(RepairKind::kBaseline);
    audit.changelog_id = id;
    audit.new_value = report.version.ToString();
    audit.note = entry.description;
    return changelog.InsertRepair(audit).status();
  });
}

}  // namespace

Result<BaselineReport> Baseline(const EngineOptions& options, const BaselineRequest& request,
                                std::function<void(const LockHolder&)> on_wait) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options));
  if (options.plugin_dirs.empty() && !(request.force && request.version.has_value())) {
    return Status::InvalidArgument(
        "baseline checks the version against the plugins' graph: give --plugins DIR (or --version V --force)");
  }
  CHIMP_ASSIGN_OR_RETURN(
      auto target,
      internal::OpenTarget(options, internal::TargetNeeds::Locked(std::move(on_wait), !options.plugin_dirs.empty())));
  BaselineReport report;
  report.run_id = target.run_id;
  CHIMP_RETURN_IF_ERROR(RequireUnmigrated(options, *target.changelog));
  if (request.version.has_value()) {
    report.version = *request.version;
    report.source = "--version";
  } else {
    CHIMP_RETURN_IF_ERROR(FindLegacyVersion(*target.conn, *target.catalog, &report));
  }
  if (report.version.empty()) {
    return Status::InvalidArgument("baseline: the empty version is where every database starts; give a version");
  }
  const Catalog* catalog = target.catalog.get();
  if (!request.force && catalog != nullptr && !GraphKnows(*catalog, report.version)) {
    return Status::PlanError("baseline: version " + report.version.ToString() + " (from " + report.source +
                             ") is not a version of the plugins' graph (known: " + KnownVersions(*catalog) +
                             "); migrate could not plan from it. --force baselines anyway");
  }
  CHIMP_RETURN_IF_ERROR(RecordBaseline(target, report));
  return report;
}

}  // namespace chimp
