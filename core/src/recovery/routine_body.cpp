#include "recovery/routine_body.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sql/lexer.hpp"
#include "sql/token_cursor.hpp"

namespace chimp::internal {

namespace {

constexpr std::array<std::string_view, 44> kNotRowsOnly = {
    "CREATE",      "ALTER",   "DROP",     "RENAME", "TRUNCATE", "GRANT",     "REVOKE",  "COMMIT",   "ROLLBACK",
    "SAVEPOINT",   "RELEASE", "START",    "LOCK",   "UNLOCK",   "XA",        "PREPARE", "EXECUTE",  "DEALLOCATE",
    "CALL",        "FLUSH",   "RESET",    "PURGE",  "INSTALL",  "UNINSTALL", "ANALYZE", "OPTIMIZE", "REPAIR",
    "CHECK",       "LOAD",    "CACHE",    "CHANGE", "KILL",     "SHUTDOWN",  "BINLOG",  "BACKUP",   "AUTOCOMMIT",
    "TRANSACTION", "GLOBAL",  "PASSWORD", "ROLE",   "OUTFILE",  "DUMPFILE",  "NEXTVAL", "SETVAL"};

bool NotRowsOnly(const Token& word) {
  for (std::string_view keyword : kNotRowsOnly) {
    if (word.Is(keyword)) return true;
  }
  return false;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsName(const Token& t) { return t.type == Token::Type::kWord || t.type == Token::Type::kQuoted; }

// A table as the body names it: (schema, table), lower case; an
// unqualified name is the procedure's schema's.
using TableName = std::pair<std::string, std::string>;

// What a body says of itself: whether its words allow it (the header's
// rule), every name it uses (as a table name: a column's is harmless) and
// the tables it inserts into.
struct BodyWords {
  bool rows_only = false;
  std::set<TableName> names;
  std::set<TableName> inserted;
};

// A name at `first`, `schema.name` when a dot follows.
TableName NameAt(const Token& first, TokenCursor& p, const std::string& schema) {
  if (!p.Peek().IsPunct('.')) return {schema, Lower(first.Value())};
  TokenCursor after = p;
  after.Skip();
  const Token second = after.Next();
  if (!IsName(second)) return {schema, Lower(first.Value())};
  p = after;
  return {Lower(first.Value()), Lower(second.Value())};
}

// After INSERT or REPLACE (not the REPLACE() function): the table, or
// nullopt when it cannot be read.
std::optional<TableName> InsertTarget(TokenCursor& p, const std::string& schema) {
  while (p.Keyword("LOW_PRIORITY") || p.Keyword("DELAYED") || p.Keyword("HIGH_PRIORITY") || p.Keyword("IGNORE") ||
         p.Keyword("INTO")) {
  }
  const Token first = p.Next();
  if (!IsName(first)) return std::nullopt;
  return NameAt(first, p, schema);
}

BodyWords ReadBody(std::string_view create_procedure, const std::string& schema) {
  std::vector<Token> tokens;
  Lexer lexer(create_procedure);
  // CREATE [DEFINER = ...] PROCEDURE: the words before it are the
  // definition's own.
  bool in_body = false;
  for (Token t = lexer.Next(); !t.end(); t = lexer.Next()) {
    if (in_body) tokens.push_back(t);
    in_body = in_body || t.Is("PROCEDURE");
  }
  BodyWords words;
  words.rows_only = in_body;
  for (TokenCursor p(tokens); !p.AtEnd();) {
    const Token t = p.Next();
    if (!IsName(t)) continue;
    const bool word = t.type == Token::Type::kWord;
    // NEXT VALUE FOR a sequence: not rolled back.
    if (word && (NotRowsOnly(t) || (t.Is("NEXT") && p.Peek().Is("VALUE")))) words.rows_only = false;
    if (word && (t.Is("INSERT") || t.Is("REPLACE")) && !p.Peek().IsPunct('(')) {
      auto table = InsertTarget(p, schema);
      if (!table) {
        words.rows_only = false;
        continue;
      }
      words.names.insert(*table);
      words.inserted.insert(*table);
      continue;
    }
    words.names.insert(NameAt(t, p, schema));
  }
  return words;
}

// "(s, t), ..." for an IN over (schema, table) pairs.
std::string InList(const Connection& conn, const std::set<TableName>& names) {
  std::string list;
  for (const auto& [schema, table] : names) {
    list += (list.empty() ? "(" : ", (") + conn.QuoteString(schema) + ", " + conn.QuoteString(table) + ")";
  }
  return list.empty() ? "('', '')" : list;
}

// Counts what a rollback could not undo, or a resume could not repeat as a
// clean run would, for a body of a routine in `schema` that uses `words`: a
// table it names that is not InnoDB (or a view), a trigger on a table it
// names, a stored function of a name it uses, a table of another schema it
// inserts into with an AUTO_INCREMENT column (InnoDB keeps the values a
// rollback used; the counters of the routine's own schema are checkpointed
// before the group, recovery/counters.hpp). A name that is no table matches
// nothing; one that may be a function's refuses, which can only refuse too
// much.
std::string ObstaclesQuery(const Connection& conn, const BodyWords& words, const std::string& schema) {
  const std::string names = InList(conn, words.names);
  std::string bare;
  for (const auto& name : words.names) bare += (bare.empty() ? "" : ", ") + conn.QuoteString(name.second);
  return std::string(kInternalTag) +
         "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE (LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME)) IN (" +
         names + ") AND (ENGINE IS NULL OR ENGINE <> 'InnoDB'))" +
         " + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE (LOWER(EVENT_OBJECT_SCHEMA), "
         "LOWER(EVENT_OBJECT_TABLE)) IN (" +
         names + "))" +
         " + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION' AND "
         "LOWER(ROUTINE_NAME) IN (" +
         (bare.empty() ? "''" : bare) + "))" +
         " + (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE EXTRA LIKE '%auto_increment%' AND "
         "LOWER(TABLE_SCHEMA) <> LOWER(" +
         conn.QuoteString(schema) + ") AND (LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME)) IN (" +
         InList(conn, words.inserted) + "))";
}

}  // namespace

bool ChangesOnlyRows(std::string_view create_procedure) { return ReadBody(create_procedure, "").rows_only; }

Result<std::optional<ProcedureText>> ShowProcedure(Connection& conn, const DdlObject& routine) {
  std::string schema = routine.schema;
  if (schema.empty()) {
    CHIMP_ASSIGN_OR_RETURN(auto db, conn.QueryScalar(std::string(kInternalTag) + "SELECT DATABASE()"));
    if (!db || db->is_null()) return std::optional<ProcedureText>();
    schema = db->ToString();
  }
  auto shown = conn.Query(std::string(kInternalTag) + "SHOW CREATE PROCEDURE " + Connection::QuoteIdentifier(schema) +
                          "." + Connection::QuoteIdentifier(routine.name));
  if (!shown.ok()) {
    const unsigned int error = shown.status().server_errno();
    if (error == 1305 || error == 1049) return std::optional<ProcedureText>();  // ER_SP_DOES_NOT_EXIST, ER_BAD_DB_ERROR
    return shown.status();
  }
  // "Create Procedure" is NULL for a caller who may not read the body.
  if (shown->rows.empty() || shown->rows[0].size() <= 2 || shown->rows[0][2].is_null()) {
    return std::optional<ProcedureText>();
  }
  return std::optional<ProcedureText>(ProcedureText{std::move(schema), shown->rows[0][2].ToString()});
}

Result<bool> CallChangesOnlyRows(Connection& conn, const DdlObject& routine) {
  CHIMP_ASSIGN_OR_RETURN(auto procedure, ShowProcedure(conn, routine));
  if (!procedure) return false;
  const BodyWords words = ReadBody(procedure->create, Lower(procedure->schema));
  if (!words.rows_only) return false;
  CHIMP_ASSIGN_OR_RETURN(auto obstacles, conn.QueryScalar(ObstaclesQuery(conn, words, procedure->schema)));
  return obstacles && !obstacles->is_null() && obstacles->ToString() == "0";
}

}  // namespace chimp::internal
