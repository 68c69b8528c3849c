#include "sql/account_shape.hpp"

#include <cctype>

namespace chimp::internal {

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsName(const Token& t) {
  return t.type == Token::Type::kWord || t.type == Token::Type::kQuoted || t.type == Token::Type::kString;
}

// user[@host]; not CURRENT_USER, CURRENT_ROLE or PUBLIC (they name no
// account chimp can read from the statement).
std::optional<DdlObject> Account(TokenCursor& p) {
  const Token user = p.Peek();
  if (!IsName(user) || user.Is("CURRENT_USER") || user.Is("CURRENT_ROLE") || user.Is("PUBLIC")) return std::nullopt;
  p.Skip();
  DdlObject account{DdlObject::Kind::kAccount, "%", user.Value()};
  if (p.Symbol('@')) {
    const Token host = p.Next();
    if (!IsName(host)) return std::nullopt;
    account.schema = Lower(host.Value());
  }
  return account;
}

// Skips to the next ',' at parenthesis depth 0 (consumed: true), or to the
// end or a word of `stops` at depth 0 (not consumed: false).
bool SkipToComma(TokenCursor& p, std::initializer_list<std::string_view> stops) {
  int depth = 0;
  while (!p.AtEnd()) {
    const Token& t = p.Peek();
    if (depth == 0 && t.IsPunct(',')) {
      p.Skip();
      return true;
    }
    if (depth == 0) {
      for (std::string_view stop : stops) {
        if (t.Is(stop)) return false;
      }
    }
    if (t.IsPunct('(')) ++depth;
    if (t.IsPunct(')')) --depth;
    p.Skip();
  }
  return false;
}

// Moves past the word `word` at depth 0; false when the statement has none.
bool SkipPast(TokenCursor& p, std::string_view word) {
  int depth = 0;
  while (!p.AtEnd()) {
    const Token t = p.Next();
    if (depth == 0 && t.Is(word)) return true;
    if (t.IsPunct('(')) ++depth;
    if (t.IsPunct(')')) --depth;
  }
  return false;
}

// accounts, each followed by what it is given (IDENTIFIED ...), up to the
// end or a word of `stops`; nullopt when one is not an account.
std::optional<std::vector<DdlObject>> Accounts(TokenCursor& p, std::initializer_list<std::string_view> stops) {
  std::vector<DdlObject> accounts;
  do {
    auto account = Account(p);
    if (!account) return std::nullopt;
    accounts.push_back(*account);
  } while (SkipToComma(p, stops));
  return accounts;
}

// A shape naming `accounts`: probeable when there are at most `probe_limit`
// (several accounts in one statement can be left half done by a crash).
DdlShape Shape(std::vector<DdlObject> accounts, bool idempotent, size_t probe_limit) {
  DdlShape shape;
  shape.idempotent = idempotent;
  shape.probeable = !idempotent && accounts.size() <= probe_limit;
  shape.objects = std::move(accounts);
  return shape;
}

// CREATE [OR REPLACE] USER [IF NOT EXISTS] ..., DROP USER [IF EXISTS] ...,
// ALTER USER [IF EXISTS] ...; `p` is after CREATE/DROP/ALTER.
std::optional<DdlShape> UserStatement(TokenCursor& p, bool create) {
  const bool or_replace = create && p.Keywords({"OR", "REPLACE"});
  if (!p.Keyword("USER")) return std::nullopt;
  const bool if_exists = create ? p.Keywords({"IF", "NOT", "EXISTS"}) : p.Keywords({"IF", "EXISTS"});
  auto accounts = Accounts(p, {"REQUIRE", "WITH", "PASSWORD", "ACCOUNT"});
  if (!accounts) return DdlShape{};
  return Shape(std::move(*accounts), or_replace || if_exists, 1);
}

// RENAME USER a TO b (one pair).
std::optional<DdlShape> RenameUser(TokenCursor& p) {
  auto from = Account(p);
  if (!from || !p.Keyword("TO")) return DdlShape{};
  auto to = Account(p);
  if (!to) return DdlShape{};
  return Shape({*from, *to}, false, p.AtEnd() ? 2 : 0);
}

// GRANT privileges ON what TO accounts [WITH ...]: granting again leaves the
// same grants. Roles (no ON) are not read.
std::optional<DdlShape> Grant(TokenCursor& p) {
  if (!SkipPast(p, "ON") || !SkipPast(p, "TO")) return std::nullopt;
  auto accounts = Accounts(p, {"WITH"});
  if (!accounts) return std::nullopt;
  return Shape(std::move(*accounts), true, 0);
}

// REVOKE privileges ON what FROM account, REVOKE ALL [PRIVILEGES], GRANT
// OPTION FROM account.
std::optional<DdlShape> Revoke(TokenCursor p) {
  TokenCursor all = p;
  bool revoke_all = all.Keyword("ALL");
  if (revoke_all) {
    all.Keyword("PRIVILEGES");
    revoke_all = all.Symbol(',') && all.Keywords({"GRANT", "OPTION", "FROM"});
  }
  if (revoke_all) {
    p = all;
  } else if (!SkipPast(p, "ON") || !SkipPast(p, "FROM")) {
    return std::nullopt;
  }
  auto accounts = Accounts(p, {});
  if (!accounts) return std::nullopt;
  return Shape(std::move(*accounts), false, 1);
}

// True when the classifier read fewer tokens than the statement may have
// (sql/token_cursor.hpp reads the first kHeadTokens of these).
bool MayBeCut(TokenCursor p) {
  std::size_t count = 0;
  for (; !p.AtEnd(); p.Skip()) ++count;
  return count >= kHeadTokens;
}

}  // namespace

std::optional<DdlShape> ParseAccountDdl(TokenCursor p) {
  if (MayBeCut(p)) return std::nullopt;
  if (p.Keyword("CREATE")) return UserStatement(p, /*create=*/true);
  if (p.Keyword("DROP") || p.Keyword("ALTER")) return UserStatement(p, /*create=*/false);
  if (p.Keywords({"RENAME", "USER"})) return RenameUser(p);
  if (p.Keyword("GRANT")) return Grant(p);
  if (p.Keyword("REVOKE")) return Revoke(p);
  return std::nullopt;
}

}  // namespace chimp::internal
