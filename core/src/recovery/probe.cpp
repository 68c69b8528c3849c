#include "recovery/probe.hpp"

#include <cctype>
#include <optional>

#include "util/sha256.hpp"

namespace chimp::internal {

namespace {

void AppendProbe(std::string* out, const char* kind, const std::string& schema, const std::string& name,
                 const std::string& definition) {
  *out += kind;
  *out += ' ';
  *out += Connection::QuoteIdentifier(schema) + "." + Connection::QuoteIdentifier(name);
  *out += '\n';
  *out += definition;
  *out += "\n\n";
}

// Removes " AUTO_INCREMENT=<n>" from a SHOW CREATE TABLE text: the counter
// moves with data, not with the definition.
std::string WithoutAutoIncrement(std::string text) {
  const std::string key = " AUTO_INCREMENT=";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    size_t end = at + key.size();
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    text.erase(at, end - at);
  }
  return text;
}

// An account's definition (SHOW CREATE USER: authentication, limits, TLS,
// lock) and its grants (SHOW GRANTS FOR: global, database, table, column,
// routine, proxy and role grants), or "absent".
Result<std::string> AccountDefinition(Connection& conn, const DdlObject& account) {
  const std::string name = conn.QuoteString(account.name) + "@" + conn.QuoteString(account.schema);
  auto shown = conn.Query(std::string(kInternalTag) + "SHOW CREATE USER " + name);
  if (!shown.ok()) {
    // ER_PASSWORD_NO_MATCH (no such account), ER_CANNOT_USER
    const unsigned int error = shown.status().server_errno();
    if (error == 1133 || error == 1396) return std::string("absent");
    return shown.status();
  }
  std::string definition;
  for (const auto& row : shown->rows) definition += row.empty() ? "" : row[0].ToString() + "\n";
  CHIMP_ASSIGN_OR_RETURN(auto grants, conn.Query(std::string(kInternalTag) + "SHOW GRANTS FOR " + name));
  for (const auto& row : grants.rows) definition += row.empty() ? "" : row[0].ToString() + "\n";
  return definition;
}

// The definition of one object, or "absent": one SHOW CREATE, whose
// "no such object" error means absent.
Result<std::string> Definition(Connection& conn, const DdlObject& object, const std::string& schema) {
  if (object.kind == DdlObject::Kind::kAccount) return AccountDefinition(conn, object);
  const std::string qualified = Connection::QuoteIdentifier(schema) + "." + Connection::QuoteIdentifier(object.name);
  std::string show;
  size_t column = 1;
  // The error that says the object does not exist (ER_BAD_DB_ERROR, 1049,
  // says so of its database).
  unsigned int missing = 1049;
  switch (object.kind) {
    case DdlObject::Kind::kTable:
    case DdlObject::Kind::kView:
      show = "SHOW CREATE TABLE " + qualified;
      missing = 1146;  // ER_NO_SUCH_TABLE
      break;
    case DdlObject::Kind::kProcedure:
    case DdlObject::Kind::kFunction:
      show = std::string("SHOW CREATE ") + (object.kind == DdlObject::Kind::kProcedure ? "PROCEDURE " : "FUNCTION ") +
             qualified;
      missing = 1305;  // ER_SP_DOES_NOT_EXIST
      column = 2;
      break;
    case DdlObject::Kind::kTrigger:
      show = "SHOW CREATE TRIGGER " + qualified;
      missing = 1360;  // ER_TRG_DOES_NOT_EXIST
      column = 2;
      break;
    case DdlObject::Kind::kEvent:
      show = "SHOW CREATE EVENT " + qualified;
      missing = 1539;  // ER_EVENT_DOES_NOT_EXIST
      column = 3;
      break;
    case DdlObject::Kind::kDatabase: show = "SHOW CREATE DATABASE " + Connection::QuoteIdentifier(object.name); break;
    case DdlObject::Kind::kAccount: break;  // AccountDefinition
  }
  auto shown = conn.Query(std::string(kInternalTag) + show);
  if (!shown.ok()) {
    const unsigned int error = shown.status().server_errno();
    if (error == missing || error == 1049) return std::string("absent");
    return shown.status();
  }
  if (shown->rows.empty() || shown->rows[0].size() <= column) return std::string("present");
  std::string definition = shown->rows[0][column].ToString();
  return object.kind == DdlObject::Kind::kDatabase ? definition : WithoutAutoIncrement(std::move(definition));
}

}  // namespace

Result<std::string> ProbeFingerprint(Connection& conn, const DdlShape& shape, std::optional<std::string>* kept) {
  std::optional<std::string> own;
  std::optional<std::string>& current = kept != nullptr ? *kept : own;
  std::string text;
  for (const DdlObject& object : shape.objects) {
    std::string schema = object.schema;
    const bool unqualified = object.kind == DdlObject::Kind::kDatabase || object.kind == DdlObject::Kind::kAccount;
    if (schema.empty() && !unqualified) {
      if (!current) {
        CHIMP_ASSIGN_OR_RETURN(auto db, conn.QueryScalar(std::string(kInternalTag) + "SELECT DATABASE()"));
        current = db && !db->is_null() ? db->ToString() : std::string();
      }
      schema = *current;
    }
    static constexpr const char* kNames[] = {"table",   "view",  "procedure", "function",
                                             "trigger", "event", "database",  "account"};
    std::string definition = "absent";
    if (!schema.empty() || unqualified) {
      CHIMP_ASSIGN_OR_RETURN(definition, Definition(conn, object, schema));
    }
    AppendProbe(&text, kNames[static_cast<int>(object.kind)], schema, object.name, definition);
  }
  return "sha256:" + Sha256Hex(text);
}

}  // namespace chimp::internal
