#include "sql/statement_info.hpp"

namespace chimp::internal {

namespace {

bool IsOneOf(std::string_view word, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (word == w) return true;
  }
  return false;
}

bool HasWord(TokenCursor p, std::initializer_list<std::string_view> words) {
  for (Token t = p.Next(); !t.end(); t = p.Next()) {
    for (std::string_view w : words) {
      if (t.Is(w)) return true;
    }
  }
  return false;
}

// DEFINER = user[@host] | CURRENT_USER[()] | CURRENT_ROLE[()]; `p` is after
// DEFINER, `t` becomes the token after the definer.
void SkipDefiner(TokenCursor& p, Token& t) {
  t = p.Next();  // '='
  if (t.IsPunct('=')) t = p.Next();
  const bool current = t.Is("CURRENT_USER") || t.Is("CURRENT_ROLE");
  t = p.Next();
  if (current && t.IsPunct('(')) {
    p.Next();  // ')'
    t = p.Next();
  } else if (!current && t.IsPunct('@')) {
    p.Next();  // host
    t = p.Next();
  }
}

bool CreateCommits(TokenCursor& p) {
  Token t = p.Next();
  while (!t.end()) {
    if (t.Is("OR")) {  // OR REPLACE
      p.Next();
      t = p.Next();
    } else if (t.Is("DEFINER")) {
      SkipDefiner(p, t);
    } else if (t.Is("ALGORITHM") || t.Is("SQL")) {  // ALGORITHM = x, SQL SECURITY x
      p.Next();
      p.Next();
      t = p.Next();
    } else if (t.Is("TEMPORARY")) {
      return false;
    } else if (t.Is("FUNCTION") || t.Is("AGGREGATE")) {
      return !HasWord(p, {"SONAME"});  // with SONAME, a UDF
    } else {
      return true;
    }
  }
  return true;
}

bool SetCommits(TokenCursor& p) {
  Token t = p.Next();
  if (t.Is("PASSWORD")) return true;
  if (t.Is("GLOBAL")) return false;
  if (t.Is("SESSION") || t.Is("LOCAL")) t = p.Next();
  if (t.IsPunct('@')) {
    t = p.Next();
    if (!t.IsPunct('@')) return false;  // a user variable
    t = p.Next();
    if (t.Is("GLOBAL")) return false;
    if (t.Is("SESSION") || t.Is("LOCAL")) {
      if (!p.Next().IsPunct('.')) return false;
      t = p.Next();
    }
  }
  if (!t.Is("AUTOCOMMIT")) return false;
  t = p.Next();
  if (t.IsPunct(':')) t = p.Next();
  if (!t.IsPunct('=')) return false;
  t = p.Next();
  return t.Is("1") || t.Is("ON") || t.Is("TRUE");
}

// After the first word `first`.
bool CommitsAfter(const Token& first, TokenCursor p) {
  if (first.Is("CREATE")) return CreateCommits(p);
  if (first.Is("DROP")) {
    const Token t = p.Next();
    return !(t.Is("TEMPORARY") || t.Is("PREPARE"));
  }
  if (first.Is("ALTER") || first.Is("RENAME") || first.Is("TRUNCATE") || first.Is("GRANT") || first.Is("REVOKE") ||
      first.Is("FLUSH") || first.Is("RESET") || first.Is("SHUTDOWN") || first.Is("INSTALL") || first.Is("UNINSTALL"))
    return true;
  if (first.Is("LOCK") || first.Is("UNLOCK")) {
    const Token t = p.Next();
    return t.Is("TABLE") || t.Is("TABLES");
  }
  if (first.Is("ANALYZE") || first.Is("OPTIMIZE") || first.Is("REPAIR") || first.Is("CHECK")) {
    Token t = p.Next();
    if (t.Is("NO_WRITE_TO_BINLOG") || t.Is("LOCAL")) t = p.Next();
    return t.Is("TABLE") || t.Is("TABLES") || t.Is("VIEW");
  }
  if (first.Is("BEGIN")) return !p.Next().Is("NOT");  // BEGIN NOT ATOMIC is a block
  if (first.Is("START")) {
    const Token t = p.Next();
    return t.Is("TRANSACTION") || t.Is("SLAVE") || t.Is("REPLICA") || t.Is("ALL");
  }
  if (first.Is("STOP")) {
    const Token t = p.Next();
    return t.Is("SLAVE") || t.Is("REPLICA") || t.Is("ALL");
  }
  if (first.Is("CHANGE")) return p.Next().Is("MASTER");
  if (first.Is("CACHE") || first.Is("LOAD")) return p.Next().Is("INDEX");
  if (first.Is("SET")) return SetCommits(p);
  return false;
}

bool CommitsImplicitly(TokenCursor p) {
  const Token first = p.Next();
  if (first.type != Token::Type::kWord) return false;
  return CommitsAfter(first, p);
}

bool RunsAlone(const StatementInfo& info, TokenCursor p) {
  if (info.commits_implicitly) return true;
  const std::string& kw = info.first_keyword;
  if (IsOneOf(kw, {"COMMIT", "ROLLBACK", "XA", "SAVEPOINT", "RELEASE", "CALL", "EXECUTE", "BEGIN", "START", "LOCK",
                   "UNLOCK"})) {
    return true;
  }
  return kw == "SET" && HasWord(p, {"AUTOCOMMIT"});
}

bool ReplaysOnResume(const StatementInfo& info, TokenCursor p) {
  return info.first_keyword == "SET" &&
         !HasWord(p, {"GLOBAL", "PASSWORD", "ROLE", "AUTOCOMMIT", "TRANSACTION", "STATEMENT", "SELECT"});
}

bool LeavesSessionAsIs(const StatementInfo& info, TokenCursor p) {
  if (!IsOneOf(info.first_keyword,
               {"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE", "INSERT", "REPLACE", "UPDATE", "DELETE", "SELECT"})) {
    return false;
  }
  // Dropping or altering the default database changes what the session has
  // selected (its collation_database included).
  TokenCursor second = p;
  second.Skip();
  if (IsOneOf(info.first_keyword, {"DROP", "ALTER"}) && (second.Keyword("DATABASE") || second.Keyword("SCHEMA")))
    return false;
  for (Token t = p.Next(); !t.end(); t = p.Next()) {
    if (t.Is("TEMPORARY")) return false;
    const bool code = t.type == Token::Type::kWord || t.type == Token::Type::kPunct;
    if (code && t.raw.find('@') != std::string_view::npos) return false;
  }
  return true;
}

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

StatementInfo Classify(std::string_view text) {
  const std::vector<Token> tokens = LexStatement(text);
  const TokenCursor start(tokens);
  StatementInfo info;
  if (!tokens.empty() && tokens[0].type == Token::Type::kWord) info.first_keyword = Upper(tokens[0].raw);
  info.commits_implicitly = CommitsImplicitly(start);
  info.runs_alone = RunsAlone(info, start);
  info.replays_on_resume = ReplaysOnResume(info, start);
  info.changes_no_schema = IsOneOf(
      info.first_keyword, {"COMMIT", "ROLLBACK", "BEGIN", "START", "SAVEPOINT", "RELEASE", "LOCK", "UNLOCK", "SET"});
  info.ddl = ParseDdl(start);
  info.probe_holds_across_others = ProbeHoldsAcrossOthers(start, info.ddl);
  info.called_routine = CalledRoutine(start);
  info.inserted_table = InsertedTable(start);
  info.leaves_session_as_is = LeavesSessionAsIs(info, start);
  info.galera = FindGaleraHazard(start, info.first_keyword);
  return info;
}

StatementInfo Classify(const SqlStatement& statement) {
  StatementInfo info = Classify(statement.text);
  if (statement.kind == SqlStatement::Kind::kUse) {
    info.runs_alone = false;
    info.replays_on_resume = true;
  }
  return info;
}

bool IsRerunnableCall(const StatementInfo& info, const std::vector<std::string>& patterns) {
  return !patterns.empty() && info.called_routine.has_value() && RoutineMatches(*info.called_routine, patterns);
}

}  // namespace chimp::internal
