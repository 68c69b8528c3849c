// FingerprintSchemas and CompareForms (chimp/fingerprint.hpp): the canonical
// form of a schema read from information_schema in one query, and what
// differs between two forms.
#include "chimp/fingerprint.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "util/sha256.hpp"

namespace chimp {

namespace {

// Every branch of the query returns: kind, object name, then the kind's
// attributes in the order of kAttributes (padded with '' to kValues).
constexpr size_t kValues = 8;

struct KindInfo {
  const char* kind;                             // the query's kind column
  const char* label;                            // how the object is written: "<label> <name>"
  std::array<const char*, kValues> attributes;  // nullptr past the last
  bool normalize_body = false;                  // the last attribute names the schema
};

const KindInfo kKinds[] = {
    {"T", "table", {"engine", "collation", "options", "comment", "type"}},
    {"C", "column", {"ordinal", "type", "nullable", "default", "extra", "collation", "generated", "comment"}},
    {"I", "index", {"unique", "type", "columns", "comment"}},
    {"F", "foreign key", {"columns", "references", "on_update", "on_delete"}},
    {"K", "check", {"clause"}, true},
    {"V", "view", {"check_option", "security", "algorithm", "definition"}, true},
    {"R", "", {"parameters", "returns", "deterministic", "data_access", "security", "comment", "body"}, true},
    {"G", "trigger", {"table", "timing", "event", "order", "body"}, true},
    {"E", "event", {"type", "schedule", "on_completion", "status", "comment", "body"}, true},
};

// chimp's own tables: never part of a schema's form. Left out after the
// query, not in it: a TABLE_NAME NOT IN (...) makes MariaDB read COLUMNS
// three times slower.
constexpr std::string_view kOwnTables[] = {"chimp_changelog", "chimp_state",        "chimp_repairs",
                                           "chimp_backups",   "chimp_fingerprints", "chimp_lock"};

// True when the object `name` of query kind `kind` is (part of) one of
// chimp's own tables.
bool IsOwn(const std::string& kind, const std::string& name) {
  if (kind != "T" && kind != "C" && kind != "I" && kind != "F" && kind != "K") return false;
  const std::string_view table =
      kind == "T" ? std::string_view(name) : std::string_view(name).substr(0, name.find('.'));
  for (std::string_view own : kOwnTables) {
    if (table == own) return true;
  }
  return false;
}

// The one query for schema literal `s` (already quoted).
std::string FormQuery(const std::string& s) {
  std::string q = std::string(kInternalTag);
  // 'S': the schema exists (its row is not part of the form).
  q += "SELECT 'S', SCHEMA_NAME, '', '', '', '', '', '', '', '' FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
       s;
  q +=
      " UNION ALL SELECT 'T', TABLE_NAME, IFNULL(ENGINE, ''), IFNULL(TABLE_COLLATION, ''), IFNULL(CREATE_OPTIONS, ''), "
      "IFNULL(TABLE_COMMENT, ''), TABLE_TYPE, '', '', '' FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
      s + " AND TABLE_TYPE <> 'VIEW'";
  q += " UNION ALL SELECT 'C', CONCAT(TABLE_NAME, '.', COLUMN_NAME), ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
       "IFNULL(COLUMN_DEFAULT, '(none)'), EXTRA, IFNULL(COLLATION_NAME, ''), IFNULL(GENERATION_EXPRESSION, ''), "
       "COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
       s;
  q += " UNION ALL SELECT 'I', CONCAT(TABLE_NAME, '.', INDEX_NAME), IF(MAX(NON_UNIQUE) = 0, 'yes', 'no'), "
       "MAX(INDEX_TYPE), GROUP_CONCAT(CONCAT(IFNULL(COLUMN_NAME, '(expression)'), IFNULL(CONCAT('(', SUB_PART, "
       "')'), ''), IF(COLLATION = 'D', ' DESC', '')) ORDER BY SEQ_IN_INDEX SEPARATOR ','), MAX(INDEX_COMMENT), '', "
       "'', '', '' FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
       s + " GROUP BY TABLE_NAME, INDEX_NAME";
  q += " UNION ALL SELECT 'F', CONCAT(k.TABLE_NAME, '.', k.CONSTRAINT_NAME), GROUP_CONCAT(k.COLUMN_NAME ORDER BY "
       "k.ORDINAL_POSITION SEPARATOR ','), CONCAT(IF(MAX(k.REFERENCED_TABLE_SCHEMA) = " +
       s +
       ", '', CONCAT(MAX(k.REFERENCED_TABLE_SCHEMA), '.')), MAX(k.REFERENCED_TABLE_NAME), '(', "
       "GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ','), ')'), MAX(r.UPDATE_RULE), "
       "MAX(r.DELETE_RULE), '', '', '', '' FROM information_schema.KEY_COLUMN_USAGE k JOIN "
       "information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = " +
       s + " AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA = " + s +
       " AND k.REFERENCED_TABLE_NAME IS NOT NULL GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME";
  q += " UNION ALL SELECT 'K', CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME), CHECK_CLAUSE, '', '', '', '', '', '', '' "
       "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
       s;
  q += " UNION ALL SELECT 'V', TABLE_NAME, CHECK_OPTION, SECURITY_TYPE, ALGORITHM, VIEW_DEFINITION, '', '', '', '' "
       "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " +
       s;
  // Parameters come in their own rows ('P'), joined to their routine below:
  // a correlated subquery would read mysql.proc once per routine.
  q += " UNION ALL SELECT 'R', CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME), '', IFNULL(DTD_IDENTIFIER, ''), "
       "IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, IFNULL(ROUTINE_DEFINITION, ''), '' FROM "
       "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
       s;
  q += " UNION ALL SELECT 'P', CONCAT(LOWER(ROUTINE_TYPE), ' ', SPECIFIC_NAME), GROUP_CONCAT(CONCAT_WS(' ', "
       "PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER) ORDER BY ORDINAL_POSITION SEPARATOR ', '), '', '', '', '', "
       "'', '', '' FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = " +
       s + " AND ORDINAL_POSITION > 0 GROUP BY ROUTINE_TYPE, SPECIFIC_NAME";
  q += " UNION ALL SELECT 'G', TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, "
       "ACTION_STATEMENT, '', '', '' FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
       s;
  q += " UNION ALL SELECT 'E', EVENT_NAME, EVENT_TYPE, CONCAT_WS(' ', EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD), "
       "ON_COMPLETION, STATUS, EVENT_COMMENT, EVENT_DEFINITION, '', '' FROM information_schema.EVENTS WHERE "
       "EVENT_SCHEMA = " +
       s;
  return q;
}

// Tabs, newlines and backslashes escaped, so that a value stays on its line.
void AppendEscaped(std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\t': *out += "\\t"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      default: *out += c;
    }
  }
}

// `body` with "`schema`." removed, so that a copy under another name reads
// the same.
std::string WithoutSchema(std::string body, const std::string& schema) {
  std::string qualifier = "`";
  for (char c : schema) qualifier += c == '`' ? std::string("``") : std::string(1, c);
  qualifier += "`.";
  for (size_t at = body.find(qualifier); at != std::string::npos; at = body.find(qualifier, at)) {
    body.erase(at, qualifier.size());
  }
  return body;
}

const KindInfo* FindKind(const std::string& kind) {
  for (const KindInfo& k : kKinds) {
    if (kind == k.kind) return &k;
  }
  return nullptr;
}

std::string Line(const KindInfo& kind, const std::string& name, const Row& row, const std::string& schema) {
  std::string line = *kind.label != '\0' ? std::string(kind.label) + " " : std::string();
  AppendEscaped(name, &line);
  for (size_t i = 0; i < kValues && kind.attributes[i] != nullptr; ++i) {
    const bool last = i + 1 == kValues || kind.attributes[i + 1] == nullptr;
    std::string value = row[2 + i].ToString();
    if (last && kind.normalize_body) value = WithoutSchema(std::move(value), schema);
    line += '\t';
    line += kind.attributes[i];
    line += '=';
    AppendEscaped(value, &line);
  }
  return line;
}

Result<SchemaForm> ReadForm(Connection& conn, const std::string& schema) {
  SchemaForm form;
  form.schema = schema;
  auto result = conn.Query(FormQuery(conn.QuoteString(schema)));
  if (!result.ok()) return result.status().WithContext("reading the schema of '" + schema + "'");
  std::map<std::string, std::string> parameters;  // "procedure p" -> its list
  for (const Row& row : result->rows) {
    const std::string kind = row[0].ToString();
    if (kind == "S") form.exists = true;
    if (kind == "P") parameters[row[1].ToString()] = row[2].ToString();
  }
  std::vector<std::string> lines;
  for (Row& row : result->rows) {
    const std::string kind = row[0].ToString();
    const KindInfo* info = FindKind(kind);
    if (info == nullptr) continue;
    const std::string name = row[1].ToString();
    if (IsOwn(kind, name)) continue;
    if (kind == "R") {
      auto p = parameters.find(name);
      if (p != parameters.end()) row[2] = Value::Text(p->second);
    }
    lines.push_back(Line(*info, name, row, schema));
  }
  std::sort(lines.begin(), lines.end());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) form.canonical += '\n';
    form.canonical += lines[i];
  }
  form.fingerprint = "sha256:" + internal::Sha256Hex(form.canonical);
  return form;
}

// "object" -> its attributes, name=value, in line order.
using Attributes = std::vector<std::pair<std::string, std::string>>;

std::map<std::string, Attributes, std::less<>> ParseForm(std::string_view text) {
  std::map<std::string, Attributes, std::less<>> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    size_t tab = line.find('\t');
    Attributes& attributes = out[std::string(line.substr(0, tab))];
    while (tab != std::string_view::npos) {
      line = line.substr(tab + 1);
      tab = line.find('\t');
      std::string_view field = line.substr(0, tab);
      const size_t eq = field.find('=');
      attributes.emplace_back(std::string(field.substr(0, eq)),
                              eq == std::string_view::npos ? std::string() : std::string(field.substr(eq + 1)));
    }
  }
  return out;
}

std::string Shorten(const std::string& value) {
  constexpr size_t kMax = 80;
  if (value.size() <= kMax) return value.empty() ? "''" : value;
  return value.substr(0, kMax - 3) + "...";
}

}  // namespace

Result<SchemaFingerprint> FingerprintSchemas(Connection& conn, const std::vector<std::string>& schemas) {
  SchemaFingerprint out;
  for (const std::string& schema : schemas) {
    CHIMP_ASSIGN_OR_RETURN(SchemaForm form, ReadForm(conn, schema));
    out.canonical += "schema " + schema + "\n" + form.canonical + "\n";
    out.schemas.push_back(std::move(form));
  }
  out.fingerprint = "sha256:" + internal::Sha256Hex(out.canonical);
  return out;
}

std::string SchemaDifference::Describe(std::string_view schema) const {
  std::string text = std::string(schema) + ": " + object;
  switch (change) {
    case Change::kAdded: return text + " added";
    case Change::kRemoved: return text + " removed";
    case Change::kChanged: break;
  }
  return text + " changed " + attribute + ": " + Shorten(before) + " -> " + Shorten(after);
}

std::vector<SchemaDifference> CompareForms(std::string_view before, std::string_view after) {
  std::vector<SchemaDifference> out;
  if (before == after) return out;
  const auto old_form = ParseForm(before);
  const auto new_form = ParseForm(after);
  auto add = [&](SchemaDifference::Change change, const std::string& object) {
    SchemaDifference d;
    d.change = change;
    d.object = object;
    out.push_back(std::move(d));
  };
  for (const auto& [object, attributes] : old_form) {
    auto live = new_form.find(object);
    if (live == new_form.end()) {
      add(SchemaDifference::Change::kRemoved, object);
      continue;
    }
    for (size_t i = 0; i < std::max(attributes.size(), live->second.size()); ++i) {
      const std::string name = i < attributes.size() ? attributes[i].first : live->second[i].first;
      const std::string was = i < attributes.size() ? attributes[i].second : std::string();
      const std::string is = i < live->second.size() ? live->second[i].second : std::string();
      if (was == is) continue;
      SchemaDifference d;
      d.object = object;
      d.attribute = name;
      d.before = was;
      d.after = is;
      out.push_back(std::move(d));
    }
  }
  for (const auto& [object, attributes] : new_form) {
    if (old_form.find(object) == old_form.end()) add(SchemaDifference::Change::kAdded, object);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SchemaDifference& a, const SchemaDifference& b) { return a.object < b.object; });
  return out;
}

}  // namespace chimp
