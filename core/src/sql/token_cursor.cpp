#include "sql/token_cursor.hpp"

namespace chimp::internal {

const Token& TokenCursor::Peek() const {
  static const Token kEnd;
  return pos_ < tokens_->size() ? (*tokens_)[pos_] : kEnd;
}

bool TokenCursor::Keyword(std::string_view keyword) {
  if (!Peek().Is(keyword)) return false;
  ++pos_;
  return true;
}

bool TokenCursor::Keywords(std::initializer_list<std::string_view> keywords) {
  const std::size_t saved = pos_;
  for (std::string_view keyword : keywords) {
    if (!Keyword(keyword)) {
      pos_ = saved;
      return false;
    }
  }
  return true;
}

bool TokenCursor::Symbol(char c) {
  if (!Peek().IsPunct(c)) return false;
  ++pos_;
  return true;
}

std::vector<Token> LexStatement(std::string_view text) {
  std::vector<Token> out;
  Lexer lexer(text);
  const Token first = lexer.Next();
  if (first.end()) return out;
  out.push_back(first);
  const bool whole = first.Is("CREATE") || first.Is("ALTER") || first.Is("SET");
  while (whole || out.size() < kHeadTokens) {
    Token t = lexer.Next();
    if (t.end()) break;
    out.push_back(t);
  }
  return out;
}

}  // namespace chimp::internal
