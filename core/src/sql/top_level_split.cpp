#include "sql/top_level_split.hpp"

#include <cstddef>

#include "sql/lexer.hpp"

namespace chimp::internal {

namespace {

std::vector<Token> AllTokens(std::string_view text) {
  std::vector<Token> out;
  Lexer lexer(text);
  for (Token t = lexer.Next(); !t.end(); t = lexer.Next()) out.push_back(t);
  return out;
}

// Walks the tokens once, keeping the stack of open compound statements, and
// records the offset of every ";" at the top level.
class CutFinder {
 public:
  CutFinder(std::string_view text, const std::vector<Token>& tokens) : text_(text), tokens_(tokens) {}

  std::vector<std::size_t> Find() {
    for (i_ = 0; i_ < tokens_.size(); ++i_) {
      if (tokens_[i_].IsPunct(';') && open_.empty()) {
        cuts_.push_back(static_cast<std::size_t>(tokens_[i_].raw.data() - text_.data()));
        top_first_ = true;
        starts_statement_ = true;
        continue;
      }
      if (top_first_ && IsPackage()) break;  // the rest is one statement
      const bool starts_next = Step();
      top_first_ = false;
      starts_statement_ = starts_next;
    }
    return cuts_;
  }

 private:
  const Token& At(std::size_t k) const {
    static const Token kEnd;
    return k < tokens_.size() ? tokens_[k] : kEnd;
  }
  bool InCaseExpression() const { return !open_.empty() && open_.back(); }

  // CREATE [OR REPLACE] [DEFINER = user] PACKAGE: the name comes within a
  // few tokens, before any "(".
  bool IsPackage() const {
    if (!At(i_).Is("CREATE")) return false;
    for (std::size_t k = i_ + 1; k < tokens_.size() && k < i_ + 12; ++k) {
      if (At(k).Is("PACKAGE")) return true;
      if (At(k).IsPunct('(') || At(k).Is("PROCEDURE") || At(k).Is("FUNCTION") || At(k).Is("TRIGGER")) return false;
    }
    return false;
  }

  // Reads tokens_[i_] (not a top-level ";"); returns whether the token after
  // it starts a statement.
  bool Step() {
    const Token& t = tokens_[i_];
    if (t.IsPunct(';') || t.IsPunct(':')) return true;
    if (t.type != Token::Type::kWord) return false;
    if (t.Is("END")) {
      if (!open_.empty()) open_.pop_back();
      const Token& n = At(i_ + 1);
      if (n.Is("IF") || n.Is("CASE") || n.Is("LOOP") || n.Is("WHILE") || n.Is("REPEAT") || n.Is("FOR")) ++i_;
      return false;
    }
    if (t.Is("BEGIN")) return Begin();
    if (t.Is("CASE")) {
      open_.push_back(!starts_statement_);
      return false;
    }
    if (t.Is("WHILE") || t.Is("LOOP")) {  // never a function
      open_.push_back(false);
      return t.Is("LOOP");
    }
    if (t.Is("IF") || t.Is("REPEAT")) {  // else IF() or REPEAT(), functions
      if (!starts_statement_) return false;
      open_.push_back(false);
      return t.Is("REPEAT");
    }
    if (t.Is("FOR")) {
      if (starts_statement_ && At(i_ + 2).Is("IN")) open_.push_back(false);
      return false;
    }
    if (t.Is("THEN") || t.Is("ELSE")) return !InCaseExpression();
    if (t.Is("ROW")) return i_ > 0 && At(i_ - 1).Is("EACH");
    return t.Is("DO");
  }

  // BEGIN opens a block, except where it starts a transaction.
  bool Begin() {
    const bool atomic = At(i_ + 1).Is("NOT") && At(i_ + 2).Is("ATOMIC");
    if (top_first_ && !atomic) return false;  // BEGIN [WORK]: a transaction
    if (i_ > 0 && At(i_ - 1).Is("XA")) return false;
    open_.push_back(false);
    if (atomic) i_ += 2;
    return true;
  }

  std::string_view text_;
  const std::vector<Token>& tokens_;
  std::size_t i_ = 0;
  // One entry per open compound statement: true for a CASE expression
  // (whose THEN and ELSE are followed by expressions, not statements).
  std::vector<bool> open_;
  bool top_first_ = true;
  bool starts_statement_ = true;
  std::vector<std::size_t> cuts_;
};

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

bool HoldsSql(std::string_view piece) { return !Lexer(piece).Next().end(); }

}  // namespace

std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  if (text.find(';') == std::string_view::npos) return {text};
  const std::vector<Token> tokens = AllTokens(text);
  const std::vector<std::size_t> cuts = CutFinder(text, tokens).Find();
  std::vector<std::string_view> pieces;
  std::size_t begin = 0;
  for (std::size_t k = 0; k <= cuts.size(); ++k) {
    const std::size_t end = k < cuts.size() ? cuts[k] : text.size();
    const std::string_view piece = Trimmed(text.substr(begin, end - begin));
    if (HoldsSql(piece)) pieces.push_back(piece);
    begin = end + 1;
  }
  if (pieces.size() < 2) return {text};
  return pieces;
}

}  // namespace chimp::internal
