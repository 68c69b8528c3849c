// CausesImplicitCommit(): reads the first keywords of a statement, the way
// the server's lexer sees them, and matches MariaDB's list of statements
// that commit the open transaction.
#include <cstdint>
#include <string_view>

#include "chimp/sql_splitter.hpp"

namespace chimp {
namespace {

// Executable comments up to this version are read as SQL (MariaDB 10.11.x).
constexpr uint32_t kExecutableCommentVersion = 101199;

struct Token {
  enum class Type { kEnd, kWord, kQuotedWord, kString, kPunct };
  Type type = Type::kEnd;
  std::string_view text;

  bool Is(std::string_view keyword) const {
    if (type != Type::kWord || text.size() != keyword.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != keyword[i]) return false;
    }
    return true;
  }
  bool IsPunct(char c) const { return type == Type::kPunct && text[0] == c; }
  bool end() const { return type == Type::kEnd; }
};

inline bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '$' || c >= 0x80;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token Next() {
    SkipBlanksAndComments();
    Token t;
    if (i_ >= s_.size()) return t;
    const std::size_t start = i_;
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (IsWordByte(c)) {
      while (i_ < s_.size() && IsWordByte(static_cast<unsigned char>(s_[i_]))) ++i_;
      t.type = Token::Type::kWord;
    } else if (c == '`' || c == '\'' || c == '"') {
      SkipQuoted(static_cast<char>(c));
      t.type = c == '`' ? Token::Type::kQuotedWord : Token::Type::kString;
    } else {
      ++i_;
      t.type = Token::Type::kPunct;
    }
    t.text = s_.substr(start, i_ - start);
    return t;
  }

 private:
  bool At(std::string_view what) const { return s_.substr(i_, what.size()) == what; }

  void SkipQuoted(char quote) {
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '\\' && quote != '`') {
        ++i_;
      } else if (c == quote) {
        if (i_ < s_.size() && s_[i_] == quote) {
          ++i_;
        } else {
          return;
        }
      }
    }
  }

  void SkipToLineEnd() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }

  void SkipComment() {  // i_ is after "/*"
    const std::size_t close = s_.find("*/", i_);
    i_ = close == std::string_view::npos ? s_.size() : close + 2;
  }

  void SkipBlanksAndComments() {
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c <= ' ') {
        ++i_;
      } else if (c == '#') {
        SkipToLineEnd();
      } else if (At("--") && (i_ + 2 >= s_.size() || static_cast<unsigned char>(s_[i_ + 2]) <= ' ')) {
        SkipToLineEnd();
      } else if (At("/*!") || At("/*M!")) {
        i_ += At("/*!") ? 3 : 4;
        uint32_t version = 0;
        int digits = 0;
        while (digits < 6 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
          version = version * 10 + static_cast<uint32_t>(s_[i_++] - '0');
          ++digits;
        }
        if (digits > 0 && version > kExecutableCommentVersion) {
          SkipComment();
        } else {
          ++open_executable_comments_;
        }
      } else if (At("/*")) {
        i_ += 2;
        SkipComment();
      } else if (open_executable_comments_ > 0 && At("*/")) {
        i_ += 2;
        --open_executable_comments_;
      } else {
        return;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int open_executable_comments_ = 0;
};

// DEFINER = user[@host] | CURRENT_USER[()] | CURRENT_ROLE[()]; `lx` is after
// DEFINER.
void SkipDefiner(Lexer& lx, Token& t) {
  t = lx.Next();  // '='
  if (t.IsPunct('=')) t = lx.Next();
  const bool current = t.Is("CURRENT_USER") || t.Is("CURRENT_ROLE");
  t = lx.Next();
  if (current && t.IsPunct('(')) {
    lx.Next();  // ')'
    t = lx.Next();
  } else if (!current && t.IsPunct('@')) {
    lx.Next();  // host
    t = lx.Next();
  }
}

bool CreateCommits(Lexer& lx) {
  Token t = lx.Next();
  while (!t.end()) {
    if (t.Is("OR")) {  // OR REPLACE
      lx.Next();
      t = lx.Next();
    } else if (t.Is("DEFINER")) {
      SkipDefiner(lx, t);
    } else if (t.Is("ALGORITHM")) {  // ALGORITHM = x
      lx.Next();
      lx.Next();
      t = lx.Next();
    } else if (t.Is("SQL")) {  // SQL SECURITY x
      lx.Next();
      lx.Next();
      t = lx.Next();
    } else if (t.Is("TEMPORARY")) {
      return false;
    } else if (t.Is("FUNCTION") || t.Is("AGGREGATE")) {
      for (t = lx.Next(); !t.end(); t = lx.Next())
        if (t.Is("SONAME")) return false;  // a UDF
      return true;
    } else {
      return true;
    }
  }
  return true;
}

bool SetCommits(Lexer& lx) {
  Token t = lx.Next();
  if (t.Is("PASSWORD")) return true;
  if (t.Is("GLOBAL")) return false;
  if (t.Is("SESSION") || t.Is("LOCAL")) t = lx.Next();
  if (t.IsPunct('@')) {
    t = lx.Next();
    if (!t.IsPunct('@')) return false;  // a user variable
    t = lx.Next();
    if (t.Is("GLOBAL")) return false;
    if (t.Is("SESSION") || t.Is("LOCAL")) {
      if (!lx.Next().IsPunct('.')) return false;
      t = lx.Next();
    }
  }
  if (!t.Is("AUTOCOMMIT")) return false;
  t = lx.Next();
  if (t.IsPunct(':')) t = lx.Next();
  if (!t.IsPunct('=')) return false;
  t = lx.Next();
  return t.Is("1") || t.Is("ON") || t.Is("TRUE");
}

}  // namespace

bool CausesImplicitCommit(std::string_view statement) {
  Lexer lx(statement);
  const Token first = lx.Next();
  if (first.type != Token::Type::kWord) return false;

  if (first.Is("CREATE")) return CreateCommits(lx);
  if (first.Is("DROP")) {
    const Token t = lx.Next();
    return !(t.Is("TEMPORARY") || t.Is("PREPARE"));
  }
  if (first.Is("ALTER") || first.Is("RENAME") || first.Is("TRUNCATE") || first.Is("GRANT") ||
      first.Is("REVOKE") || first.Is("FLUSH") || first.Is("RESET") || first.Is("SHUTDOWN") ||
      first.Is("INSTALL") || first.Is("UNINSTALL"))
    return true;
  if (first.Is("LOCK") || first.Is("UNLOCK")) {
    const Token t = lx.Next();
    return t.Is("TABLE") || t.Is("TABLES");
  }
  if (first.Is("ANALYZE") || first.Is("OPTIMIZE") || first.Is("REPAIR") || first.Is("CHECK")) {
    Token t = lx.Next();
    if (t.Is("NO_WRITE_TO_BINLOG") || t.Is("LOCAL")) t = lx.Next();
    return t.Is("TABLE") || t.Is("TABLES") || t.Is("VIEW");
  }
  if (first.Is("BEGIN")) return !lx.Next().Is("NOT");  // BEGIN NOT ATOMIC is a block
  if (first.Is("START")) {
    const Token t = lx.Next();
    return t.Is("TRANSACTION") || t.Is("SLAVE") || t.Is("REPLICA") || t.Is("ALL");
  }
  if (first.Is("STOP")) {
    const Token t = lx.Next();
    return t.Is("SLAVE") || t.Is("REPLICA") || t.Is("ALL");
  }
  if (first.Is("CHANGE")) return lx.Next().Is("MASTER");
  if (first.Is("CACHE") || first.Is("LOAD")) return lx.Next().Is("INDEX");
  if (first.Is("SET")) return SetCommits(lx);
  return false;
}

}  // namespace chimp
