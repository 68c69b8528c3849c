// chimp baseline: marks a database chimp has not migrated yet as being at
// a version, running nothing (engine.hpp; doc/operations.md).
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "chimp/engine.hpp"
#include "engine/adoption.hpp"
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

// Whether every row is a failed, interrupted or rolled-back attempt at a
// step of a base edge (an edge from the empty version): what a first
// `migrate` into a database made by another tool leaves behind.
bool OnlyFailedBaseAttempts(const std::vector<ChangelogEntry>& entries) {
  for (const ChangelogEntry& e : entries) {
    if (IsEngineRow(e)) {
      if (e.step_id == kAdhocStepId) continue;  // a trace, not a step
      return false;
    }
    if (e.status == StepStatus::kSuccess || !e.edge_from.empty()) return false;
  }
  return true;
}

// FailedPrecondition unless the changelog has nothing for the target but
// failed attempts at the base edge (set aside by the baseline). Sets
// *superseded to how many such rows there are.
Status RequireUnmigrated(const EngineOptions& options, Changelog& changelog, int64_t* superseded) {
  CHIMP_ASSIGN_OR_RETURN(auto state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  *superseded = 0;
  if (state.version.empty() && OnlyFailedBaseAttempts(entries)) {
    for (const ChangelogEntry& e : entries) *superseded += IsEngineRow(e) ? 0 : 1;
    return Status::Ok();
  }
  return Status::FailedPrecondition(
      "baseline refused: the changelog in schema '" + options.changelog_schema + "' already has " +
      std::to_string(entries.size()) + (entries.size() == 1 ? " entry" : " entries") + " for database '" +
      options.database + "' (current version " + (state.version.empty() ? "(empty)" : state.version.ToString()) +
      "); baseline is only for a database chimp has not migrated yet (see chimp status, chimp log)");
}

// The version the first plugin's legacy version query finds, into
// report->version and report->source. The queries run on a session of
// their own whose default database is the target, so that an unqualified
// `SELECT ... FROM version` reads the target's table.
Status FindLegacyVersion(const EngineOptions& options, const Catalog& catalog, BaselineReport* report) {
  std::string tried;
  std::unique_ptr<Connection> conn;
  for (const LoadedPlugin& plugin : catalog.plugins()) {
    const std::string& query = plugin.info->legacy_version_query;
    if (query.empty()) continue;
    if (conn == nullptr) {
      ConnectionOptions in_target = options.connection;
      in_target.database = options.database;
      CHIMP_ASSIGN_OR_RETURN(conn, Connection::Open(in_target));
    }
    const std::string source = "legacy version query of plugin '" + plugin.info->file + "'";
    auto found = conn->QueryScalar(query);
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
Status RecordBaseline(internal::Target& target, const BaselineReport& report, int64_t superseded) {
  Changelog& changelog = *target.changelog;
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  return internal::InTransaction(*target.conn, [&]() -> Status {
    if (superseded > 0) {
      // The failed first migrate's rows: history, never to be resumed.
      CHIMP_RETURN_IF_ERROR(changelog
                                .MarkRolledBackAfter(0, "set aside by chimp baseline (run " + report.run_id +
                                                            "): the database was adopted at " +
                                                            report.version.ToString() +
                                                            "; statements this attempt completed were not undone")
                                .status());
    }
    ChangelogEntry entry;
    entry.run_id = report.run_id;
    entry.step_id = kBaselineStepId;
    entry.edge_to = report.version.ToString();
    entry.description = "baseline: database marked as being at " + report.version.ToString() + " (" + report.source +
                        "); nothing was run" +
                        (superseded > 0 ? "; " + std::to_string(superseded) +
                                              " failed attempt(s) at the base edge set aside (status rolled_back)"
                                        : "");
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
  CHIMP_ASSIGN_OR_RETURN(bool exists, internal::SchemaExists(*target.conn, options.database));
  if (!exists) {
    return Status::FailedPrecondition("baseline refused: database '" + options.database +
                                      "' does not exist on the server; baseline marks an existing database as "
                                      "being at a version. Check --database, or run `chimp migrate` to create it");
  }
  int64_t superseded = 0;
  CHIMP_RETURN_IF_ERROR(RequireUnmigrated(options, *target.changelog, &superseded));
  if (request.version.has_value()) {
    report.version = *request.version;
    report.source = "--version";
  } else {
    CHIMP_RETURN_IF_ERROR(FindLegacyVersion(options, *target.catalog, &report));
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
  CHIMP_RETURN_IF_ERROR(RecordBaseline(target, report, superseded));
  return report;
}

namespace internal {

Result<bool> SchemaExists(Connection& conn, const std::string& database) {
  const Value params[] = {Value::Text(database)};
  CHIMP_ASSIGN_OR_RETURN(
      auto n, conn.QueryScalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", params));
  return n.has_value() && n->ToString() != "0";
}

Result<int64_t> CountSchemaObjects(Connection& conn, const std::string& database, bool skip_changelog) {
  const Value params[] = {Value::Text(database), Value::Int(skip_changelog ? 1 : 0), Value::Text(database),
                          Value::Text(database), Value::Text(database)};
  CHIMP_ASSIGN_OR_RETURN(
      auto n, conn.QueryScalar("SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "
                               "AND NOT (? AND TABLE_NAME LIKE 'chimp\\_%')) + "
                               "(SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) + "
                               "(SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?) + "
                               "(SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?)",
                               params));
  if (!n.has_value() || n->is_null()) return int64_t{0};
  return static_cast<int64_t>(std::stoll(n->ToString()));
}

Status RequireAdoptedOrEmpty(const EngineOptions& options, Connection& conn, const Catalog& catalog,
                             Changelog& changelog) {
  CHIMP_ASSIGN_OR_RETURN(ChangelogState state, changelog.ReadState());
  if (!state.version.empty()) return Status::Ok();
  // `chimp init` (or an earlier run) made the target's state row: chimp
  // manages the database from the empty version, whatever it holds.
  if (state.initialized) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(auto entries, changelog.ReadEntries());
  for (const ChangelogEntry& e : entries) {
    if (!IsEngineRow(e)) return Status::Ok();  // chimp began here: a resume
  }
  CHIMP_ASSIGN_OR_RETURN(int64_t objects,
                         CountSchemaObjects(conn, options.database, options.changelog_schema == options.database));
  if (objects == 0) return Status::Ok();
  BaselineReport found;
  Status legacy = FindLegacyVersion(options, catalog, &found);
  const std::string version_hint =
      legacy.ok() ? " The " + found.source + " finds version " + found.version.ToString() +
                        ": `chimp baseline` (without --version) marks the database as being at it."
                  : " Give the version it is at: `chimp baseline --version V` (" + legacy.message() + ").";
  return Status::FailedPrecondition(
      "migrate refused: database '" + options.database + "' already has " + std::to_string(objects) +
      (objects == 1 ? " object" : " objects") +
      " (tables, views, routines, triggers or events) but the changelog in "
      "schema '" +
      options.changelog_schema +
      "' has no version and no step for it: it was made by another tool, "
      "and running the base edge into it would collide with what is there. Nothing was written. Adopt it first "
      "with `chimp baseline`, which records the version it is at without running anything; `chimp migrate` then "
      "goes on from there." +
      version_hint);
}

}  // namespace internal

}  // namespace chimp
