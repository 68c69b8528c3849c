// chimp fingerprint: the live schema fingerprint of the target database
// (and of every other schema migrate recorded for it), what was recorded
// last, and the line a plugin pastes into EdgeDef::Fingerprint; -v prints
// the canonical form. Exit 11 when a schema differs from its record
// (drift), as check does; takes no lock and writes nothing.
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

Json DifferencesToJson(const std::vector<SchemaDifference>& differences, const std::string& schema) {
  Json out = Json::array();
  for (const SchemaDifference& d : differences) {
    const char* change = d.change == SchemaDifference::Change::kAdded     ? "added"
                         : d.change == SchemaDifference::Change::kRemoved ? "removed"
                                                                          : "changed";
    out.push_back({{"object", d.object},
                   {"change", change},
                   {"attribute", d.attribute},
                   {"before", d.before},
                   {"after", d.after},
                   {"text", d.Describe(schema)}});
  }
  return out;
}

int RunFingerprint(const Context& ctx) {
  Result<std::string> format = ChooseFormat(ctx, "fingerprint", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<FingerprintReport> result = FingerprintTarget(ctx.options);
  if (!result.ok()) return Fail(result.status());
  const FingerprintReport& r = *result;
  bool drift = false;
  for (const FingerprintEntry& e : r.schemas) drift = drift || (!e.recorded.empty() && e.recorded != e.live);
  if (*format == "json") {
    Json schemas = Json::array();
    for (const FingerprintEntry& e : r.schemas) {
      Json s = {{"schema", e.schema},
                {"fingerprint", e.live},
                {"recorded", e.recorded.empty() ? Json(nullptr) : Json(e.recorded)},
                {"recorded_after", e.recorded_after.empty() ? Json(nullptr) : Json(e.recorded_after)},
                {"differences", DifferencesToJson(e.differences, e.schema)}};
      if (ctx.verbose) s["canonical"] = e.canonical;
      schemas.push_back(s);
    }
    PrintJson({{"database", r.database},
               {"current_version", r.state.version.ToString()},
               {"declaration", r.declaration},
               {"drift", drift},
               {"schemas", schemas}});
  } else {
    std::ostream& out = std::cout;
    out << "Database '" << r.database << "' at version " << VersionText(r.state.version) << ":\n";
    for (const FingerprintEntry& e : r.schemas) {
      out << "  " << e.schema << "  " << e.live;
      if (e.recorded.empty()) {
        out << "  (none recorded)\n";
      } else if (e.recorded == e.live) {
        out << "  (as recorded after " << e.recorded_after << ")\n";
      } else {
        out << "  DRIFT: recorded " << e.recorded << " after " << e.recorded_after << '\n';
        for (const SchemaDifference& d : e.differences) out << "      " << d.Describe(e.schema) << '\n';
      }
      if (ctx.verbose) {
        out << "  canonical form of " << e.schema << ":\n";
        size_t at = 0;
        while (at <= e.canonical.size() && !e.canonical.empty()) {
          const size_t end = e.canonical.find('\n', at);
          out << "    " << e.canonical.substr(at, end == std::string::npos ? std::string::npos : end - at) << '\n';
          if (end == std::string::npos) break;
          at = end + 1;
        }
      }
    }
    out << "\nTo declare it for version " << VersionText(r.state.version)
        << " (the edge into it, in its plugin):\n  .Fingerprint(\"" << r.declaration << "\")\n";
  }
  if (drift) {
    std::fflush(stdout);
    std::cerr << "chimp: fingerprint: the live schema differs from the one recorded (drift)\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterFingerprint(CLI::App* /*app*/) { return RunFingerprint; }

}  // namespace chimp::cli
