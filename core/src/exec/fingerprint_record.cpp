#include "exec/fingerprint_record.hpp"

#include <algorithm>
#include <cctype>

#include "chimp/fingerprint.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

namespace {

bool IsSystemSchema(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "mysql" || lower == "information_schema" || lower == "performance_schema" || lower == "sys";
}

bool IsFingerprint(std::string_view text) {
  if (text.size() != 71 || text.substr(0, 7) != "sha256:") return false;
  return std::all_of(text.begin() + 7, text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

Result<std::vector<DeclaredFingerprint>> ParseDeclaredFingerprints(std::string_view text) {
  std::vector<DeclaredFingerprint> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t start = text.find_first_not_of(" \t\r\n,", at);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(text.find_first_of(" \t\r\n,", start), text.size());
    const std::string_view entry = text.substr(start, end - start);
    at = end;
    const size_t eq = entry.find('=');
    const std::string schema = eq == std::string_view::npos ? std::string() : std::string(entry.substr(0, eq));
    std::string fingerprint(eq == std::string_view::npos ? entry : entry.substr(eq + 1));
    std::transform(fingerprint.begin(), fingerprint.end(), fingerprint.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!IsFingerprint(fingerprint) || (eq != std::string_view::npos && schema.empty())) {
      return Status::InvalidArgument("declared fingerprint '" + std::string(entry) +
                                     "' is neither sha256:<64 hex digits> nor schema=sha256:<64 hex digits>");
    }
    out.emplace_back(schema, fingerprint);
  }
  return out;
}

StepSchemas SchemasOfStep(const Step& step) {
  StepSchemas result;
  std::set<std::string>& out = result.named;
  if (step.database.has_value() && !step.database->empty()) out.insert(*step.database);
  if (step.kind != StepKind::kSql) {
    result.may_write_any = step.kind == StepKind::kNative;
    return result;
  }
  auto split = SplitScriptFollowingLiteralModes(step.sql, step.dialect, step.id);
  if (!split.ok()) {
    result.may_write_any = true;
    return result;
  }
  for (const ClassifiedStatement& s : *split) {
    if (s.info.called_routine.has_value()) {
      // A routine may change any schema (CloudStack's IDEMPOTENT_* take
      // the table's qualified name as an argument).
      result.may_write_any = true;
      if (!s.info.called_routine->schema.empty()) out.insert(s.info.called_routine->schema);
    }
    for (const DdlObject& object : s.info.ddl.objects) {
      if (object.kind == DdlObject::Kind::kAccount) continue;
      if (object.kind == DdlObject::Kind::kDatabase) {
        out.insert(object.schema.empty() ? object.name : object.schema);
      } else if (!object.schema.empty()) {
        out.insert(object.schema);
      }
    }
  }
  return result;
}

void FingerprintRecorder::StepRan(const Step& step) {
  pending_ = true;
  StepSchemas schemas = SchemasOfStep(step);
  touched_.insert(schemas.named.begin(), schemas.named.end());
  any_ = any_ || schemas.may_write_any;
  // Rows only (no DDL, no CALL, no native code): no schema changes.
  changes_schema_ = changes_schema_ || step.has_ddl || schemas.may_write_any;
}

Status FingerprintRecorder::Record(const Version& from, const Version& to, const std::string& declared) {
  // An edge that changed only rows leaves every schema as its last row
  // says: nothing to read or write (unless its declaration is checked).
  if (!changes_schema_ && recorded_once_ && declared.empty()) {
    touched_.clear();
    pending_ = false;
    return Status::Ok();
  }
  std::set<std::string> others = touched_;
  if (any_) {
    CHIMP_ASSIGN_OR_RETURN(std::vector<std::string> known, changelog_.RecordedSchemas());
    others.insert(known.begin(), known.end());
  }
  std::vector<std::string> schemas = {target_db_};
  for (const std::string& s : others) {
    if (s != target_db_ && s != changelog_.schema() && !IsSystemSchema(s)) schemas.push_back(s);
  }
  CHIMP_ASSIGN_OR_RETURN(SchemaFingerprint fp, FingerprintSchemas(conn_, schemas));
  CHIMP_ASSIGN_OR_RETURN(std::vector<std::string> known, changelog_.RecordedSchemas());
  const std::set<std::string> recorded(known.begin(), known.end());
  std::vector<SchemaForm> forms;
  for (SchemaForm& form : fp.schemas) {
    // A schema that is not there is worth a row only when an earlier row
    // has it (a step dropped it): not one a step names that never existed
    // (CloudStack's base edge runs DROP DATABASE IF EXISTS `billing`).
    if (form.exists || recorded.count(form.schema) > 0 || form.schema == target_db_) forms.push_back(std::move(form));
  }
  CHIMP_RETURN_IF_ERROR(changelog_.RecordFingerprints(run_id_, from, to, forms));
  touched_.clear();
  pending_ = false;
  any_ = false;
  changes_schema_ = false;
  recorded_once_ = true;
  if (declared.empty()) return Status::Ok();
  return CheckDeclared(to, declared, forms);
}

Status FingerprintRecorder::CheckDeclared(const Version& to, const std::string& declared,
                                          const std::vector<SchemaForm>& forms) {
  CHIMP_ASSIGN_OR_RETURN(auto wanted, ParseDeclaredFingerprints(declared));
  std::string failed;
  for (const auto& [name, fingerprint] : wanted) {
    const std::string schema = name.empty() ? target_db_ : name;
    SchemaForm live;
    auto it = std::find_if(forms.begin(), forms.end(), [&](const SchemaForm& f) { return f.schema == schema; });
    if (it != forms.end()) {
      live = *it;
    } else {
      CHIMP_ASSIGN_OR_RETURN(SchemaFingerprint one, FingerprintSchemas(conn_, {schema}));
      live = std::move(one.schemas.front());
    }
    if (live.fingerprint == fingerprint) continue;
    failed += "; schema '" + schema + "' is " + live.fingerprint + ", the plugin declares " + fingerprint;
    CHIMP_ASSIGN_OR_RETURN(std::string form, changelog_.RecordedForm(schema, fingerprint));
    if (form.empty()) {
      failed +=
          " (no form with that fingerprint is recorded here to compare with; `chimp fingerprint -v` prints "
          "the live one)";
      continue;
    }
    for (const SchemaDifference& d : CompareForms(form, live.canonical)) failed += "; " + d.Describe(schema);
  }
  if (failed.empty()) return Status::Ok();
  return Status::CheckFailed("the schema after the edge to " + to.ToString() +
                             " is not the one its plugin declares (the version stays where it was; fix the "
                             "schema or the declaration and migrate again)" +
                             failed);
}

}  // namespace chimp::internal
