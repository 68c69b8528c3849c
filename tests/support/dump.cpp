#include "support/dump.hpp"

#include <algorithm>
#include <functional>
#include <sstream>
#include <stdexcept>

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
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Tables' DDL and rows, views' DDL.
void DumpTables(Connection& conn, const std::string& schema, const std::string& today, std::string* out) {
  std::vector<std::pair<std::string, bool>> tables;  // name, is a view
  Each(conn, "SHOW FULL TABLES FROM " + Connection::QuoteIdentifier(schema),
       [&](const Row& r) { tables.emplace_back(r[0].ToString(), r[1].ToString() == "VIEW"); });
  std::sort(tables.begin(), tables.end());
  for (const auto& [name, view] : tables) {
    const std::string quoted = Quoted(schema, name);
    Each(conn, "SHOW CREATE TABLE " + quoted, [&](const Row& r) { *out += r[1].ToString() + ";\n"; });
    if (view) continue;
    std::vector<std::string> lines;
    Each(conn, "SELECT * FROM " + quoted, [&](const Row& r) {
      std::string line;
      for (const Value& v : r) {
        if (v.is_null()) {
          line += "NULL,";
        } else {
          const std::string text = v.ToString();
          line += (!today.empty() && text.rfind(today, 0) == 0 ? std::string("<today>") : Literal(text)) + ",";
        }
      }
      lines.push_back(std::move(line));
    });
    std::sort(lines.begin(), lines.end());
    for (const std::string& line : lines) *out += schema + "." + name + ": " + line + "\n";
  }
}

// Routines, triggers and events, by their SHOW CREATE text.
void DumpObjects(Connection& conn, const std::string& schema, std::string* out) {
  struct Kind {
    const char* list;
    const char* show;
    size_t column;  // of the CREATE text in SHOW CREATE ...
  };
  const Kind kinds[] = {
      {"SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ", "", 2},
      {"SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ", "", 2},
      {"SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ", "", 3},
  };
  for (const Kind& kind : kinds) {
    std::vector<std::pair<std::string, std::string>> objects;
    Each(conn, std::string(kind.list) + Literal(schema) + " ORDER BY 2",
         [&](const Row& r) { objects.emplace_back(r[0].ToString(), r[1].ToString()); });
    for (const auto& [type, name] : objects) {
      Each(conn, "SHOW CREATE " + type + " " + Quoted(schema, name),
           [&](const Row& r) { *out += type + " " + schema + "." + name + ": " + r[kind.column].ToString() + "\n"; });
    }
  }
}

void DumpGrants(Connection& conn, std::string* out) {
  std::vector<std::pair<std::string, std::string>> accounts;
  Each(conn,
       "SELECT User, Host FROM mysql.user WHERE User NOT IN ('root', 'mysql', 'mariadb.sys', 'PUBLIC', '') "
       "ORDER BY User, Host",
       [&](const Row& r) { accounts.emplace_back(r[0].ToString(), r[1].ToString()); });
  for (const auto& [user, host] : accounts) {
    std::vector<std::string> grants;
    Each(conn, "SHOW GRANTS FOR " + Literal(user) + "@" + Literal(host),
         [&](const Row& r) { grants.push_back(r[0].ToString()); });
    std::sort(grants.begin(), grants.end());
    for (const std::string& g : grants) *out += "GRANT " + user + "@" + host + ": " + g + "\n";
  }
}

}  // namespace

std::vector<std::string> WrittenSchemas(Connection& conn, const std::vector<std::string>& skip) {
  std::vector<std::string> schemas;
  Each(conn,
       "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN "
       "('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY SCHEMA_NAME",
       [&](const Row& r) {
         std::string name = r[0].ToString();
         if (std::find(skip.begin(), skip.end(), name) == skip.end()) schemas.push_back(std::move(name));
       });
  return schemas;
}

std::string ExactDump(Connection& conn, const std::vector<std::string>& schemas) {
  std::string today;
  Each(conn, "SELECT CAST(CURDATE() AS CHAR)", [&](const Row& r) { today = r[0].ToString() + " "; });
  std::string out;
  for (const std::string& schema : schemas) {
    out += "SCHEMA " + schema + "\n";
    DumpTables(conn, schema, today, &out);
    DumpObjects(conn, schema, &out);
  }
  DumpGrants(conn, &out);
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
      return "line " + std::to_string(line) + ": clean `" + la + "`, after the kill `" + lb + "`";
    }
  }
}

}  // namespace chimp::test
