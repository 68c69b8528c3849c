// chimp fingerprint: the live fingerprints of the target's schemas beside
// the ones recorded (engine.hpp, FingerprintTarget).
#include <utility>

#include "chimp/engine.hpp"
#include "engine/target.hpp"

namespace chimp {

Result<FingerprintReport> FingerprintTarget(const EngineOptions& options) {
  CHIMP_ASSIGN_OR_RETURN(auto target, internal::OpenTarget(options));
  Changelog& changelog = *target.changelog;
  FingerprintReport report;
  report.database = options.database;
  CHIMP_ASSIGN_OR_RETURN(report.state, changelog.ReadState());
  CHIMP_ASSIGN_OR_RETURN(std::vector<FingerprintRecord> records, changelog.LatestFingerprints());
  std::vector<std::string> schemas = {options.database};
  for (const FingerprintRecord& r : records) {
    if (r.schema != options.database) schemas.push_back(r.schema);
  }
  CHIMP_ASSIGN_OR_RETURN(SchemaFingerprint live, FingerprintSchemas(*target.conn, schemas));
  for (SchemaForm& form : live.schemas) {
    FingerprintEntry e;
    e.schema = form.schema;
    e.live = form.fingerprint;
    e.canonical = std::move(form.canonical);
    for (const FingerprintRecord& r : records) {
      if (r.schema != e.schema) continue;
      e.recorded = r.fingerprint;
      e.recorded_after = (r.edge_from.empty() ? std::string("(empty)") : r.edge_from) + " -> " + r.edge_to;
    }
    if (!e.recorded.empty() && e.recorded != e.live) {
      CHIMP_ASSIGN_OR_RETURN(std::string before, changelog.RecordedForm(e.schema, e.recorded));
      e.differences = CompareForms(before, e.canonical);
    }
    if (!report.declaration.empty()) report.declaration += ' ';
    report.declaration += e.schema == options.database ? e.live : e.schema + "=" + e.live;
    report.schemas.push_back(std::move(e));
  }
  return report;
}

}  // namespace chimp
