#include "sql/galera_hazard.hpp"

#include <algorithm>
#include <cctype>

namespace chimp::internal {

namespace {

std::string UpperValue(const Token& t) {
  std::string v = t.Value();
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return v;
}

bool IsEngineName(const std::string& name) {
  for (const char* e : {"INNODB",    "MYISAM",     "ARIA",        "MEMORY",    "HEAP",    "CSV",    "ARCHIVE",
                        "BLACKHOLE", "MRG_MYISAM", "MERGE",       "FEDERATED", "CONNECT", "SPIDER", "ROCKSDB",
                        "SEQUENCE",  "S3",         "COLUMNSTORE", "MROONGA",   "OQGRAPH", "SPHINX"}) {
    if (name == e) return true;
  }
  return false;
}

GaleraHazard Refused(std::string why) { return {GaleraHazard::Kind::kRefused, std::move(why)}; }

// CREATE or ALTER of a table with ENGINE = <not InnoDB>; TEMPORARY tables
// are the session's own and never replicate.
GaleraHazard TableHazard(TokenCursor c, bool create) {
  bool table = false;
  bool temporary = false;
  bool primary = false;
  bool like_or_select = false;
  std::string engine;
  for (Token t = c.Next(); !t.end(); t = c.Next()) {
    if (t.type != Token::Type::kWord) continue;
    if (!table) {
      if (t.Is("TEMPORARY")) temporary = true;
      if (t.Is("TABLE")) table = true;
      if (!t.Is("OR") && !t.Is("REPLACE") && !t.Is("TEMPORARY") && !t.Is("TABLE") && !t.Is("ONLINE") &&
          !t.Is("IGNORE") && !t.Is("DEFINER") && !table) {
        return {};  // CREATE VIEW, ALTER DATABASE, ...
      }
      continue;
    }
    if (t.Is("PRIMARY")) primary = true;
    if (t.Is("LIKE") || t.Is("SELECT")) like_or_select = true;
    if (t.Is("ENGINE")) {
      // Without "=", only an engine's name makes it the option (a column
      // may be called `engine`).
      const bool assigned = c.Symbol('=');
      const Token value = c.Next();
      const std::string name = value.end() || value.type == Token::Type::kPunct ? "" : UpperValue(value);
      if (assigned || IsEngineName(name)) engine = name;
    }
  }
  if (!table || temporary) return {};
  if (!engine.empty() && engine != "INNODB") {
    return Refused("ENGINE=" + engine +
                   ": Galera replicates the rows of InnoDB tables only, so the rows of this "
                   "table would stay on the node that wrote them");
  }
  if (create && !primary && !like_or_select) {
    return {GaleraHazard::Kind::kWarning,
            "the table has no PRIMARY KEY: Galera does not support DELETE on such tables, and their rows may be "
            "applied in a different order on each node"};
  }
  return {};
}

// SET [SESSION|GLOBAL|@@...] wsrep_OSU_method = RSU|NBO, or wsrep_on = OFF.
GaleraHazard SetHazard(TokenCursor c) {
  for (Token t = c.Next(); !t.end(); t = c.Next()) {
    if (t.type != Token::Type::kWord) continue;
    const std::string name = UpperValue(t);
    const bool osu = name == "WSREP_OSU_METHOD";
    if (!osu && name != "WSREP_ON") continue;
    c.Symbol('=');
    const std::string value = UpperValue(c.Next());
    if (osu && value != "TOI") {
      return Refused("wsrep_OSU_method = " + value +
                     ": DDL would change only the node it runs on, not the cluster (chimp needs TOI)");
    }
    if (!osu && value != "ON" && value != "1") {
      return Refused("wsrep_on = " + value + ": what the step writes would stop replicating to the other nodes");
    }
  }
  return {};
}

bool CallsGetLock(TokenCursor c) {
  for (Token t = c.Next(); !t.end(); t = c.Next()) {
    if (t.Is("GET_LOCK") && c.Symbol('(')) return true;
  }
  return false;
}

}  // namespace

GaleraHazard FindGaleraHazard(TokenCursor tokens, const std::string& first_keyword) {
  TokenCursor after = tokens;
  after.Skip();
  if (first_keyword == "LOCK") {
    TokenCursor what = after;
    if (what.Keyword("TABLE") || what.Keyword("TABLES")) {
      return Refused(
          "LOCK TABLES locks the tables on one node only: writers on the other nodes go on, and "
          "Galera does not support explicit table locks");
    }
  }
  if (first_keyword == "CREATE" || first_keyword == "ALTER") {
    GaleraHazard table = TableHazard(after, first_keyword == "CREATE");
    if (table.kind != GaleraHazard::Kind::kNone) return table;
  }
  if (first_keyword == "SET") {
    GaleraHazard set = SetHazard(after);
    if (set.kind != GaleraHazard::Kind::kNone) return set;
  }
  if (CallsGetLock(tokens)) {
    return Refused("GET_LOCK takes a lock on one node only, so it keeps nothing on the other nodes out");
  }
  return {};
}

}  // namespace chimp::internal
