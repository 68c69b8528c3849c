// chimp_fingerprints: the fingerprint of every schema a run wrote, after
// each edge (changelog.hpp; doc/changelog.md documents the columns).
#include "chimp/changelog.hpp"

#include "changelog/row_reader.hpp"

namespace chimp {

namespace {

constexpr const char* kFingerprintsTable = "chimp_fingerprints";

// The layout is documented in doc/changelog.md; keep the two in step.
// canonical holds COMPRESS() of the schema's canonical form, only on the
// rows where the fingerprint changed.
constexpr const char* kFingerprintsColumns = R"(
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  target VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  edge_from VARCHAR(64) NOT NULL,
  edge_to VARCHAR(64) NOT NULL,
  schema_name VARCHAR(64) NOT NULL,
  fingerprint CHAR(71) NOT NULL,
  canonical LONGBLOB NULL,
  recorded_at DATETIME(6) NOT NULL,
  engine_version VARCHAR(32) NOT NULL,
  PRIMARY KEY (id),
  KEY by_schema (target, schema_name, id)
)";

FingerprintRecord ReadFingerprint(internal::RowReader& row) {
  FingerprintRecord r;
  r.id = row.Int();
  r.run_id = row.Text();
  r.edge_from = row.Text();
  r.edge_to = row.Text();
  r.schema = row.Text();
  r.fingerprint = row.Text();
  r.recorded_at = row.Text();
  return r;
}

}  // namespace

std::string Changelog::FingerprintsTable() const { return internal::QualifiedName(schema_, kFingerprintsTable); }

Status Changelog::EnsureFingerprintsTable() {
  return internal::CreateTable(conn_, schema_, kFingerprintsTable, kFingerprintsColumns);
}

Result<std::vector<std::string>> Changelog::RecordedSchemas() {
  if (!stored_forms_.has_value()) {
    // The fingerprint each schema's newest stored text has, once per run.
    const Value params[] = {Value::Text(target_)};
    CHIMP_ASSIGN_OR_RETURN(
        auto rows,
        conn_.Query(Inline(std::string(kInternalTag) + "SELECT schema_name, fingerprint FROM " + FingerprintsTable() +
                               " WHERE id IN (SELECT MAX(id) FROM " + FingerprintsTable() +
                               " WHERE target = ? AND canonical IS NOT NULL GROUP BY "
                               "schema_name)",
                           params)));
    stored_forms_.emplace();
    for (const Row& row : rows.rows) (*stored_forms_)[row[0].ToString()] = row[1].ToString();
  }
  std::vector<std::string> out;
  for (const auto& [schema, fingerprint] : *stored_forms_) out.push_back(schema);
  return out;
}

Status Changelog::RecordFingerprints(const std::string& run_id, const Version& from, const Version& to,
                                     const std::vector<SchemaForm>& forms) {
  if (forms.empty()) return Status::Ok();
  CHIMP_RETURN_IF_ERROR(FlushFinish());
  CHIMP_RETURN_IF_ERROR(RecordedSchemas().status());
  std::string sql = std::string(kInternalTag) + "INSERT INTO " + FingerprintsTable() +
                    " (target, run_id, edge_from, edge_to, schema_name, fingerprint, canonical, recorded_at, "
                    "engine_version) VALUES ";
  for (size_t i = 0; i < forms.size(); ++i) {
    const SchemaForm& form = forms[i];
    std::string& stored = (*stored_forms_)[form.schema];
    const bool store_text = stored != form.fingerprint;
    const Value params[] = {Value::Text(target_),
                            Value::Text(run_id),
                            Value::Text(from.ToString()),
                            Value::Text(to.ToString()),
                            Value::Text(form.schema),
                            Value::Text(form.fingerprint),
                            Value::Text(CHIMP_ENGINE_VERSION)};
    if (i > 0) sql += ", ";
    sql += Inline("(?, ?, ?, ?, ?, ?, ", std::span<const Value>(params, 6));
    sql += store_text ? "COMPRESS(" + conn_.QuoteString(form.canonical) + ")" : std::string("NULL");
    sql += ", NOW(6), " + Inline("?", std::span<const Value>(params + 6, 1)) + ")";
    if (store_text) stored = form.fingerprint;
  }
  return conn_.Execute(sql).status().WithContext("changelog: recording the schema fingerprints after " +
                                                 (from.empty() ? std::string("(empty)") : from.ToString()) + " -> " +
                                                 to.ToString());
}

Result<std::vector<FingerprintRecord>> Changelog::LatestFingerprints() {
  const Value params[] = {Value::Text(target_)};
  const std::string date_format = internal::kDateFormat;
  return internal::ReadRowsIfTable(
      conn_, schema_, kFingerprintsTable,
      Inline("SELECT id, run_id, edge_from, edge_to, schema_name, fingerprint, "
             "DATE_FORMAT(recorded_at, " +
                 date_format + ") FROM " + FingerprintsTable() + " WHERE id IN (SELECT MAX(id) FROM " +
                 FingerprintsTable() + " WHERE target = ? GROUP BY schema_name) ORDER BY schema_name",
             params),
      {}, &ReadFingerprint);
}

Result<std::string> Changelog::RecordedForm(const std::string& schema, const std::string& fingerprint) {
  const Value params[] = {Value::Text(fingerprint), Value::Text(target_), Value::Text(schema)};
  // The form does not name its schema: any row with the fingerprint
  // holds it (another target's, a copy's); this schema's first.
  CHIMP_ASSIGN_OR_RETURN(auto text,
                         conn_.QueryScalar(Inline("SELECT UNCOMPRESS(canonical) FROM " + FingerprintsTable() +
                                                      " WHERE fingerprint = ? AND canonical IS NOT NULL ORDER BY "
                                                      "(target = ? AND schema_name = ?) DESC, id DESC LIMIT 1",
                                                  params)));
  return text.has_value() ? text->ToString() : std::string();
}

}  // namespace chimp
