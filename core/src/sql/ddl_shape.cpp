#include "sql/ddl_shape.hpp"

#include <cctype>

#include "sql/account_shape.hpp"
#include "sql/statement_info.hpp"

namespace chimp::internal {

namespace {

std::optional<std::string> Identifier(TokenCursor& p) {
  const Token& t = p.Peek();
  if (t.type != Token::Type::kWord && t.type != Token::Type::kQuoted) return std::nullopt;
  p.Skip();
  return t.Value();
}

// `name` or `schema.name`.
std::optional<DdlObject> Name(TokenCursor& p, DdlObject::Kind kind) {
  auto first = Identifier(p);
  if (!first) return std::nullopt;
  DdlObject object{kind, "", *first};
  if (p.Symbol('.')) {
    auto second = Identifier(p);
    if (!second) return std::nullopt;
    object.schema = *first;
    object.name = *second;
  }
  return object;
}

// Skips what may stand between CREATE/ALTER and the object keyword:
// DEFINER = user, ALGORITHM = x, SQL SECURITY x, UNIQUE, ONLINE, ...
void SkipOptions(TokenCursor& p) {
  while (!p.AtEnd()) {
    if (p.Keyword("DEFINER")) {
      p.Symbol('=');
      if (p.Keyword("CURRENT_USER")) {
        if (p.Symbol('(')) p.Symbol(')');
      } else {
        p.Skip();
        if (p.Symbol('@')) p.Skip();
      }
    } else if (p.Keyword("ALGORITHM")) {
      p.Symbol('=');
      p.Skip();
    } else if (p.Keywords({"SQL", "SECURITY"})) {
      p.Skip();
    } else if (!(p.Keyword("AGGREGATE") || p.Keyword("UNIQUE") || p.Keyword("FULLTEXT") || p.Keyword("SPATIAL") ||
                 p.Keyword("ONLINE") || p.Keyword("OFFLINE") || p.Keyword("IGNORE"))) {
      return;
    }
  }
}

// The object keyword after CREATE/ALTER/DROP, or nullopt.
std::optional<DdlObject::Kind> ObjectKind(TokenCursor& p, bool* index) {
  *index = false;
  if (p.Keyword("TABLE") || p.Keyword("TABLES")) return DdlObject::Kind::kTable;
  if (p.Keyword("VIEW")) return DdlObject::Kind::kView;
  if (p.Keyword("PROCEDURE")) return DdlObject::Kind::kProcedure;
  if (p.Keyword("FUNCTION")) return DdlObject::Kind::kFunction;
  if (p.Keyword("TRIGGER")) return DdlObject::Kind::kTrigger;
  if (p.Keyword("EVENT")) return DdlObject::Kind::kEvent;
  if (p.Keyword("DATABASE") || p.Keyword("SCHEMA")) return DdlObject::Kind::kDatabase;
  if (p.Keyword("INDEX")) {
    *index = true;
    return DdlObject::Kind::kTable;  // an index is part of its table's definition
  }
  return std::nullopt;
}

// CREATE INDEX i ON t / DROP INDEX i ON t: the table changes.
void ParseIndexTable(TokenCursor& p, DdlShape* shape) {
  if (!Name(p, DdlObject::Kind::kTable)) return;
  if (!p.Keyword("ON")) return;
  auto table = Name(p, DdlObject::Kind::kTable);
  if (!table) return;
  shape->objects.push_back(*table);
  shape->probeable = true;
}

DdlShape ParseCreateAlterDrop(TokenCursor& p, bool create, bool drop) {
  DdlShape shape;
  bool or_replace = false;
  if (create && p.Keywords({"OR", "REPLACE"})) or_replace = true;
  const bool temporary = p.Keyword("TEMPORARY");
  SkipOptions(p);
  bool index = false;
  auto kind = ObjectKind(p, &index);
  if (!kind) return shape;  // users, roles, sequences, servers ...: not probed
  bool if_exists = false;
  if (create) {
    if_exists = p.Keywords({"IF", "NOT", "EXISTS"});
  } else if (drop) {
    if_exists = p.Keywords({"IF", "EXISTS"});
  }
  shape.idempotent = or_replace || if_exists || temporary;
  if (temporary) return shape;  // session-local: gone with a crashed session
  if (index) {
    ParseIndexTable(p, &shape);
    return shape;
  }
  do {
    auto object = Name(p, *kind);
    if (!object) return DdlShape{{}, false, shape.idempotent};
    shape.objects.push_back(*object);
  } while (drop && (*kind == DdlObject::Kind::kTable || *kind == DdlObject::Kind::kView) && p.Symbol(','));
  shape.probeable = true;
  return shape;
}

DdlShape ParseRenameTable(TokenCursor& p) {
  DdlShape shape;
  do {
    auto from = Name(p, DdlObject::Kind::kTable);
    if (!from || !p.Keyword("TO")) return DdlShape{};
    auto to = Name(p, DdlObject::Kind::kTable);
    if (!to) return DdlShape{};
    shape.objects.push_back(*from);
    shape.objects.push_back(*to);
  } while (p.Symbol(','));
  shape.probeable = true;
  return shape;
}

int Namespace(DdlObject::Kind kind) {
  return kind == DdlObject::Kind::kView ? static_cast<int>(DdlObject::Kind::kTable) : static_cast<int>(kind);
}

bool SameName(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// `text` matches the glob `pattern` (`*` = any run of characters).
bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (GlobMatch(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  return !text.empty() && pattern[0] == text[0] && GlobMatch(pattern.substr(1), text.substr(1));
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

DdlShape ParseDdl(TokenCursor p) {
  if (auto account = ParseAccountDdl(p)) return *account;
  if (p.Keyword("CREATE")) return ParseCreateAlterDrop(p, /*create=*/true, /*drop=*/false);
  if (p.Keyword("DROP")) return ParseCreateAlterDrop(p, /*create=*/false, /*drop=*/true);
  if (p.Keyword("ALTER")) return ParseCreateAlterDrop(p, /*create=*/false, /*drop=*/false);
  if (p.Keywords({"RENAME", "TABLE"})) return ParseRenameTable(p);
  DdlShape shape;
  // These change data or statistics only, and may run again.
  if (p.Keyword("TRUNCATE") || p.Keyword("ANALYZE") || p.Keyword("OPTIMIZE") || p.Keyword("CHECK") ||
      p.Keyword("REPAIR") || p.Keyword("FLUSH")) {
    shape.idempotent = true;
  }
  return shape;
}

bool ProbeHoldsAcrossOthers(TokenCursor p, const DdlShape& shape) {
  if (!shape.probeable) return false;
  for (const DdlObject& object : shape.objects) {
    if (object.kind == DdlObject::Kind::kDatabase) return false;
    // CREATE PROCEDURE may grant its creator privileges: an account's probe
    // holds only alone.
    if (object.kind == DdlObject::Kind::kAccount) return false;
  }
  if (p.Keyword("RENAME")) return false;
  if (!p.Keyword("ALTER")) return true;
  for (Token t = p.Next(); !t.end(); t = p.Next()) {
    if (t.Is("RENAME") || t.Is("EXCHANGE")) return false;
  }
  return true;
}

std::optional<DdlObject> CalledRoutine(TokenCursor p) {
  if (!p.Keyword("CALL")) return std::nullopt;
  return Name(p, DdlObject::Kind::kProcedure);
}

std::optional<DdlObject> InsertedTable(TokenCursor p) {
  const bool load = p.Keyword("LOAD");
  if (!load && !p.Keyword("INSERT") && !p.Keyword("REPLACE")) return std::nullopt;
  if (load) {
    // LOAD DATA|XML [LOW_PRIORITY|CONCURRENT] [LOCAL] INFILE 'f' [REPLACE|IGNORE] INTO TABLE t
    while (!p.AtEnd() && !p.Keyword("INTO")) p.Skip();
    if (!p.Keyword("TABLE")) return std::nullopt;
    return Name(p, DdlObject::Kind::kTable);
  }
  // INSERT|REPLACE [LOW_PRIORITY|DELAYED|HIGH_PRIORITY] [IGNORE] [INTO] t
  while (p.Keyword("LOW_PRIORITY") || p.Keyword("DELAYED") || p.Keyword("HIGH_PRIORITY") || p.Keyword("IGNORE")) {
  }
  p.Keyword("INTO");
  return Name(p, DdlObject::Kind::kTable);
}

bool Overlap(const std::vector<DdlObject>& a, const std::vector<DdlObject>& b) {
  for (const DdlObject& x : a) {
    for (const DdlObject& y : b) {
      if (x.kind == DdlObject::Kind::kDatabase || y.kind == DdlObject::Kind::kDatabase) return true;
      if (Namespace(x.kind) != Namespace(y.kind) || !SameName(x.name, y.name)) continue;
      if (x.schema.empty() || y.schema.empty() || SameName(x.schema, y.schema)) return true;
    }
  }
  return false;
}

bool RoutineMatches(const DdlObject& routine, const std::vector<std::string>& patterns) {
  const std::string schema = Lower(routine.schema);
  const std::string name = Lower(routine.name);
  for (const std::string& pattern : patterns) {
    const size_t dot = pattern.find('.');
    const bool match = dot == std::string::npos
                           ? GlobMatch(pattern, name)
                           : GlobMatch(pattern.substr(0, dot), schema) && GlobMatch(pattern.substr(dot + 1), name);
    if (match) return true;
  }
  return false;
}

DdlShape ParseDdl(std::string_view statement) { return Classify(statement).ddl; }

bool ProbeHoldsAcrossOthers(std::string_view statement, const DdlShape& shape) {
  const std::vector<Token> tokens = LexStatement(statement);
  return ProbeHoldsAcrossOthers(TokenCursor(tokens), shape);
}

bool IsRerunnableCall(std::string_view statement, const std::vector<std::string>& patterns) {
  return IsRerunnableCall(Classify(statement), patterns);
}

}  // namespace chimp::internal
