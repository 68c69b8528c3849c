// TokenCursor: reads a statement's tokens (lexed once, sql/lexer.hpp) for
// the classifier's several readings, each from its own position.
#ifndef CHIMP_SQL_TOKEN_CURSOR_HPP_
#define CHIMP_SQL_TOKEN_CURSOR_HPP_

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "sql/lexer.hpp"

namespace chimp::internal {

// REQUIRES: `tokens` outlives the cursor (a cursor is a cheap copy).
class TokenCursor {
 public:
  explicit TokenCursor(const std::vector<Token>& tokens) : tokens_(&tokens) {}

  // The next token, consumed; a kEnd token past the end.
  Token Next() { return pos_ < tokens_->size() ? (*tokens_)[pos_++] : Token{}; }
  // The next token, not consumed; a kEnd token past the end.
  const Token& Peek() const;
  // Consumes the next token, whatever it is.
  void Skip() {
    if (pos_ < tokens_->size()) ++pos_;
  }
  // True when every token was consumed.
  bool AtEnd() const { return pos_ >= tokens_->size(); }
  // Consumes the word `keyword` (upper case) when it comes next.
  bool Keyword(std::string_view keyword);
  // Consumes `keywords` when all come next, in order; else nothing.
  bool Keywords(std::initializer_list<std::string_view> keywords);
  // Consumes the punctuation `c` when it comes next.
  bool Symbol(char c);

 private:
  const std::vector<Token>* tokens_;
  std::size_t pos_ = 0;
};

// The tokens of one statement's `text`: all of them when it starts with
// CREATE, ALTER or SET (a word anywhere in those can change their class),
// else the first kHeadTokens (the names that matter stand near the start;
// a 2 MB INSERT is not read to its end).
inline constexpr std::size_t kHeadTokens = 96;
std::vector<Token> LexStatement(std::string_view text);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_TOKEN_CURSOR_HPP_
