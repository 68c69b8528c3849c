#include "sql/lexer.hpp"

namespace chimp::internal {

namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}

}  // namespace

bool Token::Is(std::string_view keyword) const {
  if (type != Type::kWord || raw.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

std::string Token::Value() const {
  if (type != Type::kQuoted && type != Type::kString) return std::string(raw);
  const char quote = raw[0];
  std::string out;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && quote != '`' && i + 1 < raw.size()) {
      out += raw[++i];
    } else if (c == quote && i + 1 < raw.size() && raw[i + 1] == quote) {
      out += c;
      ++i;
    } else if (c == quote) {
      break;
    } else {
      out += c;
    }
  }
  return out;
}

Token Lexer::Next() {
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
    t.type = c == '\'' ? Token::Type::kString : Token::Type::kQuoted;
  } else {
    ++i_;
    t.type = Token::Type::kPunct;
  }
  t.raw = s_.substr(start, i_ - start);
  return t;
}

void Lexer::SkipQuoted(char quote) {
  ++i_;
  while (i_ < s_.size()) {
    const char c = s_[i_++];
    if (c == '\\' && quote != '`') {
      if (i_ < s_.size()) ++i_;
    } else if (c == quote) {
      if (i_ < s_.size() && s_[i_] == quote) {
        ++i_;
      } else {
        return;
      }
    }
  }
}

void Lexer::SkipToLineEnd() {
  while (i_ < s_.size() && s_[i_] != '\n') ++i_;
}

void Lexer::SkipComment() {  // i_ is after "/*"
  const std::size_t close = s_.find("*/", i_);
  i_ = close == std::string_view::npos ? s_.size() : close + 2;
}

void Lexer::OpenExecutableComment() {  // i_ is at "/*!" or "/*M!"
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
}

void Lexer::SkipBlanksAndComments() {
  while (i_ < s_.size()) {
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c <= ' ') {
      ++i_;
    } else if (c == '#') {
      SkipToLineEnd();
    } else if (At("--") && (i_ + 2 >= s_.size() || static_cast<unsigned char>(s_[i_ + 2]) <= ' ')) {
      SkipToLineEnd();
    } else if (At("/*!") || At("/*M!")) {
      OpenExecutableComment();
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

}  // namespace chimp::internal
