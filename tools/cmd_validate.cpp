// chimp validate: compares every applied step with the installed plugins,
// and the live schema with the one recorded after the last edge. Exit 9
// when an applied step's checksum changed, else 11 on drift; missing steps
// and failed or interrupted attempts are reported but do not fail it.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"

namespace chimp::cli {
namespace {

constexpr const char* kDriftFailure = "drift: the live schema differs from the one recorded after the last edge";

int RunValidate(const Context& ctx) {
  Result<std::string> format = ChooseFormat(ctx, "validate", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  if (ctx.fleet()) {
    return RunFleet(ctx, {"validate", *format == "json"}, [](const EngineOptions& target) {
      Result<ValidationReport> r = ValidateChangelog(target);
      if (!r.ok()) return FleetFailure(r.status());
      FleetOutcome o;
      o.known = true;
      o.from = o.to = r->state.version.ToString();
      o.steps = r->applied;
      if (!r->mismatches.empty()) {
        o.exit_code = kExitFailedPrecondition;
        o.message = std::to_string(r->mismatches.size()) + " checksum mismatch(es), first step '" +
                    r->mismatches.front().step_id + "'";
      } else if (!r->ok()) {
        o.exit_code = kExitCheckFailed;
        o.message = kDriftFailure;
      }
      return o;
    });
  }
  Result<ValidationReport> result = ValidateChangelog(ctx.options);
  if (!result.ok()) return Fail(result.status());
  const ValidationReport& r = *result;

  // The first mismatch (else drift), on stderr and in the JSON document's
  // error, with its exit code.
  std::string failure;
  int code = kExitOk;
  if (!r.ok() && r.mismatches.empty()) {
    failure = kDriftFailure;
    code = kExitCheckFailed;
  } else if (!r.ok()) {
    code = kExitFailedPrecondition;
    const ChecksumMismatch& m = r.mismatches[0];
    failure = std::to_string(r.mismatches.size()) +
              (r.mismatches.size() == 1 ? " applied step differs" : " applied steps differ") +
              " from the installed plugins; the first: step '" + m.step_id + "' of plugin '" + m.plugin_file +
              "' has checksum " + m.installed_checksum + ", the changelog records " + m.applied_checksum;
  }
  if (*format == "json") {
    Json mismatches = Json::array();
    for (const ChecksumMismatch& m : r.mismatches) {
      mismatches.push_back({{"step_id", m.step_id},
                            {"edge", m.edge},
                            {"plugin_file", m.plugin_file},
                            {"installed_checksum", m.installed_checksum},
                            {"applied_checksum", m.applied_checksum},
                            {"applied_plugin_file", m.applied_plugin_file},
                            {"applied_run_id", m.applied_run_id},
                            {"changelog_id", m.changelog_id}});
    }
    Json missing = Json::array();
    for (const ChangelogEntry& e : r.missing) missing.push_back(EntryToJson(e));
    Json unfinished = Json::array();
    for (const ChangelogEntry& e : r.unfinished) unfinished.push_back(EntryToJson(e));
    PrintJson({{"database", r.database},
               {"changelog_schema", ctx.options.changelog_schema},
               {"current_version", r.state.version.ToString()},
               {"ok", r.ok()},
               {"applied_steps", r.applied},
               {"checksum_mismatches", mismatches},
               {"missing_steps", missing},
               {"unfinished_steps", unfinished},
               {"error", r.ok() ? Json(nullptr) : ErrorJson(code, failure)},
               {"drift", CheckResultsToJson(r.drift)}});
  } else {
    std::ostream& out = std::cout;
    out << "Database '" << r.database << "' at version " << VersionText(r.state.version) << ": " << r.applied
        << (r.applied == 1 ? " applied step" : " applied steps") << " checked.\n";
    if (!r.mismatches.empty()) {
      out << "\nChecksum mismatches (" << r.mismatches.size() << "): the installed plugin changed an applied step\n";
      for (const ChecksumMismatch& m : r.mismatches) {
        out << "  " << m.step_id << " (" << m.edge << ")\n"
            << "      plugin file:  " << m.plugin_file << '\n'
            << "      installed:    " << m.installed_checksum << '\n'
            << "      applied:      " << m.applied_checksum << " (run " << m.applied_run_id << ", from "
            << m.applied_plugin_file << ")\n";
      }
      out << "  If the change is intended (a comment, formatting), chimp repair --checksums re-records them.\n";
    }
    if (!r.missing.empty()) {
      out << "\nWarning: applied steps no installed plugin provides (" << r.missing.size() << "):\n";
      std::vector<std::vector<std::string>> rows;
      for (const ChangelogEntry& e : r.missing) {
        rows.push_back({e.step_id, EdgeText(e.edge_from, e.edge_to), e.plugin_file, e.run_id.substr(0, 8)});
      }
      PrintTable(out, {"STEP", "EDGE", "APPLIED FROM", "RUN"}, rows, 2);
    }
    if (!r.unfinished.empty()) {
      out << "\nFailed or interrupted steps (" << r.unfinished.size()
          << "): chimp migrate resumes them; chimp repair resolves them by hand\n";
      std::vector<std::vector<std::string>> rows;
      for (const ChangelogEntry& e : r.unfinished) {
        rows.push_back({e.step_id, StepStatusName(e.status),
                        std::to_string(e.statement_index) + "/" +
                            (e.statement_count > 0 ? std::to_string(e.statement_count) : "?"),
                        FirstLine(e.error, 80)});
      }
      PrintTable(out, {"STEP", "STATUS", "STATEMENTS", "ERROR"}, rows, 2);
    }
    size_t drifted = 0;
    for (const CheckResult& d : r.drift) drifted += d.passed ? 0 : 1;
    if (drifted > 0) {
      out << "\nDrift (" << drifted << (drifted == 1 ? " schema" : " schemas")
          << "): the live schema differs from the one recorded after the last edge\n";
      PrintDriftDetails(out, r.drift);
    }
    if (r.ok()) out << (r.missing.empty() && r.unfinished.empty() ? "\nOK.\n" : "\nOK (with the remarks above).\n");
  }
  if (!r.ok()) {
    std::fflush(stdout);
    std::cerr << "chimp: " << (r.mismatches.empty() ? "validate: " : "") << failure << '\n';
  }
  return code;
}

}  // namespace

CommandRun RegisterValidate(CLI::App* /*app*/) { return RunValidate; }

}  // namespace chimp::cli
