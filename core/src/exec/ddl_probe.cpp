#include "exec/ddl_probe.hpp"

#include <cctype>
#include <initializer_list>
#include <optional>
#include <utility>

#include "util/sha256.hpp"

namespace chimp::internal {

namespace {

struct Token {
  enum class Type { kWord, kQuoted, kString, kSymbol };
  Type type = Type::kSymbol;
  std::string text;   // as written; quoted identifiers and strings unquoted
  std::string upper;  // words only: upper-cased, for keyword matching
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Splits the head of a statement into tokens. Executable comments are read
// as SQL, other comments skipped. Stops after `limit` tokens: the names that
// matter stand near the start.
std::vector<Token> Tokenize(std::string_view s, size_t limit = 96) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n && out.size() < limit) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '-' && i + 1 < n && s[i + 1] == '-' &&
                            (i + 2 == n || std::isspace(static_cast<unsigned char>(s[i + 2]))))) {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      if (i + 2 < n && (s[i + 2] == '!' || (s[i + 2] == 'M' && i + 3 < n && s[i + 3] == '!'))) {
        i += s[i + 2] == '!' ? 3 : 4;  // executable comment: its body is SQL
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        const size_t end = s.find("*/", i + 2);
        i = end == std::string_view::npos ? n : end + 2;
      }
    } else if (c == '*' && i + 1 < n && s[i + 1] == '/') {
      i += 2;  // the end of an executable comment
    } else if (c == '`' || c == '"' || c == '\'') {
      Token t;
      t.type = c == '\'' ? Token::Type::kString : Token::Type::kQuoted;
      ++i;
      while (i < n) {
        if (s[i] == '\\' && c != '`' && i + 1 < n) {
          t.text += s[i + 1];
          i += 2;
        } else if (s[i] == c && i + 1 < n && s[i + 1] == c) {
          t.text += c;
          i += 2;
        } else if (s[i] == c) {
          ++i;
          break;
        } else {
          t.text += s[i++];
        }
      }
      out.push_back(std::move(t));
    } else if (IsWordChar(c)) {
      Token t;
      t.type = Token::Type::kWord;
      while (i < n && IsWordChar(s[i])) t.text += s[i++];
      for (char ch : t.text) t.upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back(std::move(t));
    } else {
      out.push_back(Token{Token::Type::kSymbol, std::string(1, c), {}});
      ++i;
    }
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view statement) : tokens_(Tokenize(statement)) {}

  bool Keyword(std::string_view word) {
    if (pos_ < tokens_.size() && tokens_[pos_].type == Token::Type::kWord && tokens_[pos_].upper == word) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool Keywords(std::initializer_list<std::string_view> words) {
    const size_t saved = pos_;
    for (std::string_view w : words) {
      if (!Keyword(w)) {
        pos_ = saved;
        return false;
      }
    }
    return true;
  }

  bool Symbol(char c) {
    if (pos_ < tokens_.size() && tokens_[pos_].type == Token::Type::kSymbol && tokens_[pos_].text[0] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // `name` or `schema.name`.
  std::optional<DdlObject> Name(DdlObject::Kind kind) {
    auto first = Identifier();
    if (!first) return std::nullopt;
    DdlObject object{kind, "", *first};
    if (Symbol('.')) {
      auto second = Identifier();
      if (!second) return std::nullopt;
      object.schema = *first;
      object.name = *second;
    }
    return object;
  }

  // Skips what may stand between CREATE/ALTER and the object keyword:
  // DEFINER = user, ALGORITHM = x, SQL SECURITY x, UNIQUE, ONLINE, ...
  void SkipOptions() {
    while (pos_ < tokens_.size()) {
      if (Keyword("DEFINER")) {
        Symbol('=');
        if (Keyword("CURRENT_USER")) {
          if (Symbol('(')) Symbol(')');
        } else {
          ++pos_;
          if (Symbol('@')) ++pos_;
        }
      } else if (Keyword("ALGORITHM")) {
        Symbol('=');
        ++pos_;
      } else if (Keywords({"SQL", "SECURITY"})) {
        ++pos_;
      } else if (!(Keyword("AGGREGATE") || Keyword("UNIQUE") || Keyword("FULLTEXT") || Keyword("SPATIAL") ||
                   Keyword("ONLINE") || Keyword("OFFLINE") || Keyword("IGNORE"))) {
        return;
      }
    }
  }

 private:
  std::optional<std::string> Identifier() {
    if (pos_ >= tokens_.size()) return std::nullopt;
    const Token& t = tokens_[pos_];
    if (t.type != Token::Type::kWord && t.type != Token::Type::kQuoted) return std::nullopt;
    ++pos_;
    return t.text;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

// The object keyword after CREATE/ALTER/DROP, or nullopt.
std::optional<DdlObject::Kind> ObjectKind(Parser& p, bool* index) {
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

DdlShape ParseCreateAlterDrop(Parser& p, bool create, bool drop) {
  DdlShape shape;
  bool or_replace = false;
  if (create && p.Keywords({"OR", "REPLACE"})) or_replace = true;
  const bool temporary = p.Keyword("TEMPORARY");
  p.SkipOptions();
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
    // CREATE INDEX i ON t / DROP INDEX i ON t: the table changes.
    if (!p.Name(DdlObject::Kind::kTable)) return shape;
    if (!p.Keyword("ON")) return shape;
    auto table = p.Name(DdlObject::Kind::kTable);
    if (!table) return shape;
    shape.objects.push_back(*table);
    shape.probeable = true;
    return shape;
  }
  do {
    auto object = p.Name(*kind);
    if (!object) return DdlShape{{}, false, shape.idempotent};
    shape.objects.push_back(*object);
  } while (drop && (*kind == DdlObject::Kind::kTable || *kind == DdlObject::Kind::kView) && p.Symbol(','));
  shape.probeable = true;
  return shape;
}

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

// The definition of one object, or "absent": one SHOW CREATE, whose
// "no such object" error means absent.
Result<std::string> Definition(Connection& conn, const DdlObject& object, const std::string& schema) {
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
      show = std::string("SHOW CREATE ") +
             (object.kind == DdlObject::Kind::kProcedure ? "PROCEDURE " : "FUNCTION ") + qualified;
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
    case DdlObject::Kind::kDatabase:
      show = "SHOW CREATE DATABASE " + Connection::QuoteIdentifier(object.name);
      break;
  }
  auto shown = conn.Query(std::string(kInternalTag) + show);
  if (!shown.ok()) {
    const unsigned int error = conn.LastErrorNumber();
    if (error == missing || error == 1049) return std::string("absent");
    return shown.status();
  }
  if (shown->rows.empty() || shown->rows[0].size() <= column) return std::string("present");
  std::string definition = shown->rows[0][column].ToString();
  return object.kind == DdlObject::Kind::kDatabase ? definition : WithoutAutoIncrement(std::move(definition));
}

}  // namespace

DdlShape ParseDdl(std::string_view statement) {
  Parser p(statement);
  if (p.Keyword("CREATE")) return ParseCreateAlterDrop(p, /*create=*/true, /*drop=*/false);
  if (p.Keyword("DROP")) return ParseCreateAlterDrop(p, /*create=*/false, /*drop=*/true);
  if (p.Keyword("ALTER")) return ParseCreateAlterDrop(p, /*create=*/false, /*drop=*/false);
  DdlShape shape;
  if (p.Keyword("RENAME") && p.Keyword("TABLE")) {
    do {
      auto from = p.Name(DdlObject::Kind::kTable);
      if (!from || !p.Keyword("TO")) return DdlShape{};
      auto to = p.Name(DdlObject::Kind::kTable);
      if (!to) return DdlShape{};
      shape.objects.push_back(*from);
      shape.objects.push_back(*to);
    } while (p.Symbol(','));
    shape.probeable = true;
    return shape;
  }
  // These change data or statistics only, and may run again.
  Parser again(statement);
  if (again.Keyword("TRUNCATE") || again.Keyword("ANALYZE") || again.Keyword("OPTIMIZE") ||
      again.Keyword("CHECK") || again.Keyword("REPAIR") || again.Keyword("FLUSH")) {
    shape.idempotent = true;
  }
  return shape;
}

bool ProbeHoldsAcrossOthers(std::string_view statement, const DdlShape& shape) {
  if (!shape.probeable) return false;
  for (const DdlObject& object : shape.objects) {
    if (object.kind == DdlObject::Kind::kDatabase) return false;
  }
  Parser p(statement);
  if (p.Keyword("RENAME")) return false;
  if (!p.Keyword("ALTER")) return true;
  for (const Token& t : Tokenize(statement, statement.size())) {
    if (t.type == Token::Type::kWord && (t.upper == "RENAME" || t.upper == "EXCHANGE")) return false;
  }
  return true;
}

namespace {

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

}  // namespace

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

namespace {

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

bool IsRerunnableCall(std::string_view statement, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return false;
  Parser p(statement);
  if (!p.Keyword("CALL")) return false;
  auto routine = p.Name(DdlObject::Kind::kProcedure);
  if (!routine) return false;
  const std::string schema = Lower(routine->schema);
  const std::string name = Lower(routine->name);
  for (const std::string& pattern : patterns) {
    const size_t dot = pattern.find('.');
    const bool match = dot == std::string::npos
                           ? GlobMatch(pattern, name)
                           : GlobMatch(pattern.substr(0, dot), schema) && GlobMatch(pattern.substr(dot + 1), name);
    if (match) return true;
  }
  return false;
}

Result<std::string> ProbeFingerprint(Connection& conn, const DdlShape& shape) {
  std::optional<std::string> current;
  std::string text;
  for (const DdlObject& object : shape.objects) {
    std::string schema = object.schema;
    if (schema.empty() && object.kind != DdlObject::Kind::kDatabase) {
      if (!current) {
        CHIMP_ASSIGN_OR_RETURN(auto db, conn.QueryScalar(std::string(kInternalTag) + "SELECT DATABASE()"));
        current = db && !db->is_null() ? db->ToString() : std::string();
      }
      schema = *current;
    }
    static constexpr const char* kNames[] = {"table", "view", "procedure", "function", "trigger", "event", "database"};
    std::string definition = "absent";
    if (!schema.empty() || object.kind == DdlObject::Kind::kDatabase) {
      CHIMP_ASSIGN_OR_RETURN(definition, Definition(conn, object, schema));
    }
    AppendProbe(&text, kNames[static_cast<int>(object.kind)], schema, object.name, definition);
  }
  return "sha256:" + Sha256Hex(text);
}

}  // namespace chimp::internal
