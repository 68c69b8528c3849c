#include "support/dump.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace chimp::test {
namespace {

void Each(Connection& conn, const std::string& sql, const std::function<void(const Row&)>& fn) {
  Status s = conn.QueryEach(sql, {}, [&](const Row& r) {
    fn(r);
    return true;
  });
  if (!s.ok()) throw std::runtime_error("dump: " + sql + ": " + s.ToString());
}

std::string Quoted(const std::string& schema, const std::string& name) {
  return Connection::QuoteIdentifier(schema) + "." + Connection::QuoteIdentifier(name);
}

std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  return out + "'";
}

std::string InList(const std::vector<std::string>& names) {
  std::string out = "(''";
  for (const std::string& n : names) out += ", " + Literal(n);
  return out + ")";
}

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

std::vector<std::string> ExistingSchemas(Connection& conn, const std::vector<std::string>& schemas) {
  std::vector<std::string> found;
  Each(conn, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN " + InList(schemas),
       [&](const Row& r) { found.push_back(r[0].ToString()); });
  std::vector<std::string> ordered;
  for (const std::string& s : schemas) {
    if (std::find(found.begin(), found.end(), s) != found.end()) ordered.push_back(s);
  }
  return ordered;
}

std::vector<std::pair<std::string, std::string>> Accounts(Connection& conn, const std::vector<std::string>& users) {
  std::vector<std::pair<std::string, std::string>> accounts;
  Each(conn, "SELECT User, Host FROM mysql.user WHERE User IN " + InList(users) + " ORDER BY User, Host",
       [&](const Row& r) { accounts.emplace_back(r[0].ToString(), r[1].ToString()); });
  return accounts;
}

// A value UUID() makes: 8-4-4-4-12 hexadecimal digits.
bool IsUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

// What a value is written as: <today> for a time stamped today, <uuid> for
// a UUID, else its SQL literal.
std::string Cell(const std::string& text, const std::string& today) {
  if (!today.empty() && text.rfind(today, 0) == 0) return "<today>";
  if (IsUuid(text)) return "<uuid>";
  return Literal(text);
}

// One table's rows, sorted, each prefixed with `label`.
void DumpRows(Connection& conn, const std::string& quoted, const std::string& label, const std::string& today,
              std::string* out) {
  std::vector<std::string> lines;
  Each(conn, "SELECT * FROM " + quoted, [&](const Row& r) {
    std::string line;
    for (const Value& v : r) {
      line += (v.is_null() ? std::string("NULL") : Cell(v.ToString(), today)) + ",";
    }
    lines.push_back(std::move(line));
  });
  std::sort(lines.begin(), lines.end());
  for (const std::string& line : lines) *out += label + ": " + line + "\n";
}

// Tables' DDL and rows, views' DDL.
void DumpTables(Connection& conn, const std::string& schema, const std::string& label, const std::string& today,
                std::string* out) {
  std::vector<std::pair<std::string, bool>> tables;  // name, is a view
  Each(conn, "SHOW FULL TABLES FROM " + Connection::QuoteIdentifier(schema),
       [&](const Row& r) { tables.emplace_back(r[0].ToString(), r[1].ToString() == "VIEW"); });
  std::sort(tables.begin(), tables.end());
  for (const auto& [name, view] : tables) {
    const std::string quoted = Quoted(schema, name);
    Each(conn, "SHOW CREATE TABLE " + quoted, [&](const Row& r) { *out += r[1].ToString() + ";\n"; });
    if (!view) DumpRows(conn, quoted, label + "." + name, today, out);
  }
}

// Routines, triggers and events, by their SHOW CREATE text.
void DumpObjects(Connection& conn, const std::string& schema, const std::string& label, std::string* out) {
  struct Kind {
    const char* list;
    size_t column;  // of the CREATE text in SHOW CREATE ...
  };
  const Kind kinds[] = {
      {"SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ", 2},
      {"SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ", 2},
      {"SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ", 3},
  };
  for (const Kind& kind : kinds) {
    std::vector<std::pair<std::string, std::string>> objects;
    Each(conn, std::string(kind.list) + Literal(schema) + " ORDER BY 1, 2",
         [&](const Row& r) { objects.emplace_back(r[0].ToString(), r[1].ToString()); });
    for (const auto& [type, name] : objects) {
      Each(conn, "SHOW CREATE " + type + " " + Quoted(schema, name),
           [&](const Row& r) { *out += type + " " + label + "." + name + ": " + r[kind.column].ToString() + "\n"; });
    }
  }
}

void DumpGrants(Connection& conn, const std::vector<std::string>& users, std::string* out) {
  for (const auto& [user, host] : Accounts(conn, users)) {
    std::vector<std::string> grants;
    Each(conn, "SHOW GRANTS FOR " + Literal(user) + "@" + Literal(host),
         [&](const Row& r) { grants.push_back(r[0].ToString()); });
    std::sort(grants.begin(), grants.end());
    for (const std::string& g : grants) *out += "GRANT " + user + "@" + host + ": " + g + "\n";
  }
}

}  // namespace

std::string ExactDump(Connection& conn, const DumpScope& scope) {
  std::string today;
  Each(conn, "SELECT CAST(CURDATE() AS CHAR)", [&](const Row& r) { today = r[0].ToString() + " "; });
  const std::vector<std::string> existing = ExistingSchemas(conn, scope.schemas);
  std::string out;
  for (const std::string& schema : scope.schemas) {
    const std::string label = schema == scope.target ? "<target>" : schema;
    if (std::find(existing.begin(), existing.end(), schema) == existing.end()) {
      out += "SCHEMA " + label + " absent\n";
      continue;
    }
    out += "SCHEMA " + label + "\n";
    std::string text;
    DumpTables(conn, schema, label, today, &text);
    DumpObjects(conn, schema, label, &text);
    // A view or routine of the target that names it.
    if (!scope.target.empty()) ReplaceAll(&text, Connection::QuoteIdentifier(scope.target) + ".", "`<target>`.");
    out += text;
  }
  DumpGrants(conn, scope.users, &out);
  return out;
}

std::string FirstDifference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return "";
  std::istringstream a(expected);
  std::istringstream b(actual);
  std::string la;
  std::string lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a) la = "<end>";
    if (!more_b) lb = "<end>";
    if (la != lb || (!more_a && !more_b)) {
      return "line " + std::to_string(line) + ": clean `" + la.substr(0, 200) + "`, after the kill `" +
             lb.substr(0, 200) + "`";
    }
  }
}

}  // namespace chimp::test
