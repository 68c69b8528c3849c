#include "recovery/routine_ddl.hpp"

#include <cctype>
#include <utility>
#include <vector>

#include "recovery/routine_body.hpp"
#include "sql/lexer.hpp"
#include "sql/statement_info.hpp"
#include "sql/token_cursor.hpp"

namespace chimp::internal {

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsName(const Token& t) { return t.type == Token::Type::kWord || t.type == Token::Type::kQuoted; }

bool IsNumber(const Token& t) {
  if (t.type != Token::Type::kWord || t.raw.empty()) return false;
  for (char c : t.raw) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::vector<Token> AllTokens(std::string_view text) {
  std::vector<Token> tokens;
  Lexer lexer(text);
  for (Token t = lexer.Next(); !t.end(); t = lexer.Next()) tokens.push_back(t);
  return tokens;
}

// Skips a parenthesised run whose "(" was just consumed, to its ")".
bool SkipParenthesised(TokenCursor& p) {
  for (int depth = 1; depth > 0;) {
    const Token t = p.Next();
    if (t.end()) return false;
    if (t.IsPunct('(')) ++depth;
    if (t.IsPunct(')')) --depth;
  }
  return true;
}

// The parameters' names (lower case) after "PROCEDURE name (", up to and
// including the ")"; nullopt when one is not IN.
std::optional<std::vector<std::string>> ReadParameters(TokenCursor& p) {
  std::vector<std::string> names;
  if (p.Symbol(')')) return names;
  for (;;) {
    if (p.Keyword("OUT") || p.Keyword("INOUT")) return std::nullopt;
    (void)p.Keyword("IN");
    const Token name = p.Next();
    if (!IsName(name)) return std::nullopt;
    names.push_back(Lower(name.Value()));
    // The type: up to the next top-level "," or ")".
    for (;;) {
      const Token t = p.Next();
      if (t.end()) return std::nullopt;
      if (t.IsPunct('(') && !SkipParenthesised(p)) return std::nullopt;
      if (t.IsPunct(',')) break;
      if (t.IsPunct(')')) return names;
    }
  }
}

// Consumes "DECLARE CONTINUE|EXIT HANDLER FOR <n>[, <n>] BEGIN END ;" when
// it comes next; false (nothing consumed that matters) otherwise.
bool SkipEmptyHandler(TokenCursor& p) {
  TokenCursor q = p;
  if (!q.Keyword("DECLARE") || !(q.Keyword("CONTINUE") || q.Keyword("EXIT")) || !q.Keywords({"HANDLER", "FOR"})) {
    return false;
  }
  do {
    if (!IsNumber(q.Next())) return false;
  } while (q.Symbol(','));
  if (!q.Keywords({"BEGIN", "END"}) || !q.Symbol(';')) return false;
  p = q;
  return true;
}

// Reads "@name" at `p`; the name in lower case, or "" when none is there.
std::string UserVariable(TokenCursor& p) {
  TokenCursor q = p;
  if (!q.Symbol('@')) return "";
  const Token name = q.Next();
  if (!IsName(name)) return "";
  p = q;
  return Lower(name.Value());
}

// The body's expressions, rewritten with `arguments` (the CALL's literals
// as written, by parameter) in place of the parameters and each earlier
// value of the variable in place of "@v": the final value as one SQL
// expression, or nullopt when the body is not of the form of the header.
class BodyReader {
 public:
  BodyReader(const std::vector<std::string>& parameters, const std::vector<std::string>& arguments)
      : parameters_(parameters), arguments_(arguments) {}

  std::optional<std::string> Read(TokenCursor p) {
    (void)SkipEmptyHandler(p);
    std::string variable;
    std::string value;
    while (p.Keyword("SET")) {
      const std::string name = UserVariable(p);
      if (name.empty() || (!variable.empty() && name != variable) || !(p.Symbol('=') || ColonEquals(p))) {
        return std::nullopt;
      }
      variable = name;
      auto expression = Expression(p, variable, value);
      if (!expression || !p.Symbol(';')) return std::nullopt;
      value = std::move(*expression);
    }
    if (variable.empty() || !p.Keyword("PREPARE")) return std::nullopt;
    const Token prepared = p.Next();
    if (!IsName(prepared) || !p.Keyword("FROM") || UserVariable(p) != variable || !p.Symbol(';')) {
      return std::nullopt;
    }
    const std::string name = Lower(prepared.Value());
    if (!p.Keyword("EXECUTE") || !SameName(p.Next(), name) || !p.Symbol(';')) return std::nullopt;
    if (!(p.Keyword("DEALLOCATE") || p.Keyword("DROP")) || !p.Keyword("PREPARE") || !SameName(p.Next(), name)) {
      return std::nullopt;
    }
    (void)p.Symbol(';');
    if (!p.Keyword("END") || !p.AtEnd()) return std::nullopt;
    return value;
  }

 private:
  static bool ColonEquals(TokenCursor& p) {
    TokenCursor q = p;
    if (!q.Symbol(':') || !q.Symbol('=')) return false;
    p = q;
    return true;
  }

  static bool SameName(const Token& t, const std::string& name) { return IsName(t) && Lower(t.Value()) == name; }

  // The expression up to the ";" (not consumed), rewritten; `earlier` is
  // the variable's value so far ("" before the first SET).
  std::optional<std::string> Expression(TokenCursor& p, const std::string& variable, const std::string& earlier) {
    std::string out;
    int depth = 0;
    while (!(depth == 0 && p.Peek().IsPunct(';'))) {
      if (p.AtEnd()) return std::nullopt;
      if (p.Peek().IsPunct('@')) {
        if (UserVariable(p) != variable || earlier.empty()) return std::nullopt;
        out += "(" + earlier + ")";
        continue;
      }
      const Token t = p.Next();
      if (t.type == Token::Type::kString) {
        out += std::string(t.raw);
      } else if (t.IsPunct('(') || t.IsPunct(')') || t.IsPunct(',')) {
        depth += t.IsPunct('(') ? 1 : t.IsPunct(')') ? -1 : 0;
        if (depth < 0) return std::nullopt;
        out += std::string(t.raw);
      } else if (t.type == Token::Type::kWord && (t.Is("CONCAT") || t.Is("CONCAT_WS")) && p.Peek().IsPunct('(')) {
        out += std::string(t.raw);
      } else if (IsName(t)) {
        const std::string name = Lower(t.Value());
        size_t k = 0;
        while (k < parameters_.size() && parameters_[k] != name) ++k;
        if (k == parameters_.size()) return std::nullopt;
        out += "(" + arguments_[k] + ")";
      } else {
        return std::nullopt;
      }
      out += ' ';
    }
    return depth == 0 && !out.empty() ? std::optional<std::string>(out) : std::nullopt;
  }

  const std::vector<std::string>& parameters_;
  const std::vector<std::string>& arguments_;
};

// The CALL's arguments as written: each one string literal, number or
// NULL; nullopt otherwise.
std::optional<std::vector<std::string>> CallArguments(std::string_view call_text) {
  const std::vector<Token> tokens = AllTokens(call_text);
  TokenCursor p(tokens);
  if (!p.Keyword("CALL")) return std::nullopt;
  const Token name = p.Next();
  if (!IsName(name)) return std::nullopt;
  if (p.Symbol('.') && !IsName(p.Next())) return std::nullopt;
  std::vector<std::string> arguments;
  if (!p.Symbol('(')) return p.AtEnd() ? std::optional(arguments) : std::nullopt;
  if (!p.Symbol(')')) {
    do {
      const Token t = p.Next();
      if (t.type != Token::Type::kString && !IsNumber(t) && !t.Is("NULL")) return std::nullopt;
      arguments.emplace_back(t.raw);
    } while (p.Symbol(','));
    if (!p.Symbol(')')) return std::nullopt;
  }
  return p.AtEnd() ? std::optional(arguments) : std::nullopt;
}

}  // namespace

std::optional<std::string> CallDdlQuery(std::string_view create_procedure, std::string_view call_text) {
  auto arguments = CallArguments(call_text);
  if (!arguments) return std::nullopt;
  const std::vector<Token> tokens = AllTokens(create_procedure);
  TokenCursor p(tokens);
  while (!p.AtEnd() && !p.Peek().Is("PROCEDURE")) p.Skip();
  if (!p.Keyword("PROCEDURE") || !IsName(p.Next())) return std::nullopt;
  if (p.Symbol('.') && !IsName(p.Next())) return std::nullopt;
  if (!p.Symbol('(')) return std::nullopt;
  auto parameters = ReadParameters(p);
  if (!parameters || parameters->size() != arguments->size()) return std::nullopt;
  // The characteristics (COMMENT, LANGUAGE SQL, SQL SECURITY ...) up to
  // the body's BEGIN.
  while (!p.AtEnd() && !p.Peek().Is("BEGIN")) p.Skip();
  if (!p.Keyword("BEGIN")) return std::nullopt;
  auto value = BodyReader(*parameters, *arguments).Read(p);
  if (!value) return std::nullopt;
  return std::string(kInternalTag) + "SELECT " + *value;
}

Result<std::optional<CallDdl>> ReadCallDdl(Connection& conn, std::string_view call_text, const DdlObject& routine) {
  CHIMP_ASSIGN_OR_RETURN(auto procedure, ShowProcedure(conn, routine));
  if (!procedure) return std::optional<CallDdl>();
  auto query = CallDdlQuery(procedure->create, call_text);
  if (!query) return std::optional<CallDdl>();
  CHIMP_ASSIGN_OR_RETURN(auto text, conn.QueryScalar(*query));
  if (!text || text->is_null()) return std::optional<CallDdl>();
  CallDdl ddl;
  ddl.text = text->ToString();
  ddl.shape = Classify(ddl.text).ddl;
  for (DdlObject& object : ddl.shape.objects) {
    const bool unqualified = object.kind == DdlObject::Kind::kDatabase || object.kind == DdlObject::Kind::kAccount;
    if (object.schema.empty() && !unqualified) object.schema = procedure->schema;
  }
  return std::optional<CallDdl>(std::move(ddl));
}

}  // namespace chimp::internal
