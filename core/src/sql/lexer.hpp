// Lexer: a statement's tokens as the server's lexer sees them. The one
// reader of statement text: the classifier (statement_info.hpp) and the DDL
// shape (ddl_shape.hpp) read tokens from it, never the text.
//
//  - Blanks (every byte <= 0x20) are skipped, and so are comments: "#" and
//    "-- " (two dashes, then a blank or the end) to the end of the line, and
//    "/* ... */".
//  - An executable comment "/*!NNNNN" or "/*M!NNNNNN" is read as SQL when
//    its version is at most kExecutableCommentVersion or absent, and
//    skipped as a comment otherwise; its closing "*/" is skipped.
//  - A word is a run of letters, digits, '_', '$' and bytes >= 0x80.
//  - `...` and "..." are quoted words, '...' a string; a doubled quote stays
//    inside, and a backslash escapes the next byte except inside backticks.
//    Token::Value() gives the unquoted text.
//  - Any other byte is one punctuation token.
//
// Ownership: the lexer and its tokens point into the text; the caller keeps
// it alive and unchanged while they are used.
#ifndef CHIMP_SQL_LEXER_HPP_
#define CHIMP_SQL_LEXER_HPP_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chimp::internal {

// Executable comments up to this version are read as SQL (MariaDB 10.11.x).
inline constexpr uint32_t kExecutableCommentVersion = 101199;

// One token; `raw` points into the lexed text.
struct Token {
  enum class Type { kEnd, kWord, kQuoted, kString, kPunct };
  Type type = Type::kEnd;
  std::string_view raw;  // as written, quotes included

  // A word equal to `keyword` (upper case), ignoring case.
  bool Is(std::string_view keyword) const;
  // The punctuation byte `c`.
  bool IsPunct(char c) const { return type == Type::kPunct && raw[0] == c; }
  // The end of the text.
  bool end() const { return type == Type::kEnd; }
  // The text of a word, or of a quoted word or string without its quotes
  // and escapes.
  std::string Value() const;
};

// Reads the tokens of one text in order, by the rules above.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  // The next token; a kEnd token at the end, and on every later call.
  Token Next();

 private:
  bool At(std::string_view what) const { return s_.substr(i_, what.size()) == what; }
  void SkipQuoted(char quote);
  void SkipToLineEnd();
  void SkipComment();
  void OpenExecutableComment();
  void SkipBlanksAndComments();

  std::string_view s_;
  std::size_t i_ = 0;
  int open_executable_comments_ = 0;
};

}  // namespace chimp::internal

#endif  // CHIMP_SQL_LEXER_HPP_
