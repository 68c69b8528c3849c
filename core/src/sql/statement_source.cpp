#include "sql/statement_source.hpp"

#include <algorithm>
#include <cctype>

#include "sql/top_level_split.hpp"

namespace chimp::internal {

namespace {

ClassifiedStatement WithClass(SqlStatement statement) {
  StatementInfo info = Classify(statement);
  return ClassifiedStatement{std::move(statement), std::move(info)};
}

uint32_t LinesIn(std::string_view text) { return static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n')); }

bool Contains(std::string_view upper_text, std::string_view word) {
  return upper_text.find(word) != std::string_view::npos;
}

// The literal's ANSI_QUOTES: named, or implied by the ANSI mode.
bool AnsiQuotesIn(std::string_view upper_text) {
  return Contains(upper_text, "ANSI_QUOTES") || Contains(upper_text, "'ANSI'") || Contains(upper_text, "'ANSI,") ||
         Contains(upper_text, ",ANSI,") || Contains(upper_text, ",ANSI'");
}

}  // namespace

std::vector<SqlStatement> SplitMultiStatement(SqlStatement statement) {
  std::vector<SqlStatement> out;
  if (statement.kind != SqlStatement::Kind::kQuery) {
    out.push_back(std::move(statement));
    return out;
  }
  const std::vector<std::string_view> pieces = SplitTopLevel(statement.text);
  if (pieces.size() < 2) {
    out.push_back(std::move(statement));
    return out;
  }
  const std::string_view text = statement.text;
  for (std::string_view piece : pieces) {
    SqlStatement one;
    one.text = std::string(piece);
    one.first_line = statement.first_line + LinesIn(text.substr(0, static_cast<size_t>(piece.data() - text.data())));
    one.last_line = one.first_line + LinesIn(piece);
    out.push_back(std::move(one));
  }
  out.back().last_line = statement.last_line;
  return out;
}

StatementSource::StatementSource(std::string_view script, SqlDialect dialect, std::string source_name) {
  if (dialect == SqlDialect::kScriptRunner) {
    auto split = SplitScriptRunner(script, source_name);
    if (split.ok()) {
      fixed_ = std::move(split).value();
    } else {
      error_ = split.status();
    }
    estimated_ = static_cast<int32_t>(fixed_.size());
    return;
  }
  auto split = SplitClient(script, source_name);
  estimated_ = split.ok() ? static_cast<int32_t>(split->size()) : 0;
  splitter_.emplace(script, std::move(source_name));
}

Result<std::optional<ClassifiedStatement>> StatementSource::Next() {
  if (!queued_.empty()) {
    ClassifiedStatement next = std::move(queued_.front());
    queued_.pop_front();
    return std::optional<ClassifiedStatement>(std::move(next));
  }
  if (!error_.ok()) return error_;
  if (splitter_.has_value()) {
    CHIMP_ASSIGN_OR_RETURN(std::optional<SqlStatement> next, splitter_->Next());
    if (!next.has_value()) return std::optional<ClassifiedStatement>();
    std::vector<SqlStatement> pieces = SplitMultiStatement(std::move(*next));
    for (SqlStatement& piece : pieces) {
      piece.index = next_index_++;
      queued_.push_back(WithClass(std::move(piece)));
    }
    return Next();
  }
  if (next_ >= fixed_.size()) return std::optional<ClassifiedStatement>();
  return std::optional<ClassifiedStatement>(WithClass(fixed_[next_++]));
}

void StatementSource::Follow(const SessionFlags& flags) {
  if (!splitter_.has_value()) return;
  splitter_->SetNoBackslashEscapes(flags.no_backslash_escapes);
  splitter_->SetAnsiQuotes(flags.ansi_quotes);
}

void StatementSource::PutBack(std::vector<ClassifiedStatement> statements) {
  queued_.insert(queued_.begin(), std::make_move_iterator(statements.begin()),
                 std::make_move_iterator(statements.end()));
}

Result<std::vector<SqlStatement>> SplitClient(std::string_view script, std::string_view source_name) {
  CHIMP_ASSIGN_OR_RETURN(std::vector<SqlStatement> chunks, SplitSql(script, source_name));
  std::vector<SqlStatement> out;
  out.reserve(chunks.size());
  for (SqlStatement& chunk : chunks) {
    for (SqlStatement& piece : SplitMultiStatement(std::move(chunk))) {
      piece.index = static_cast<uint32_t>(out.size());
      out.push_back(std::move(piece));
    }
  }
  return out;
}

Result<std::vector<ClassifiedStatement>> SplitScript(std::string_view script, SqlDialect dialect,
                                                     std::string source_name) {
  CHIMP_ASSIGN_OR_RETURN(std::vector<SqlStatement> statements, dialect == SqlDialect::kScriptRunner
                                                                   ? SplitScriptRunner(script, source_name)
                                                                   : SplitClient(script, source_name));
  std::vector<ClassifiedStatement> out;
  out.reserve(statements.size());
  for (SqlStatement& statement : statements) out.push_back(WithClass(std::move(statement)));
  return out;
}

std::optional<SessionFlags> LiteralSessionModes(std::string_view statement_text) {
  std::string upper(statement_text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const size_t start = upper.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || upper.compare(start, 4, "SET ") != 0) return std::nullopt;
  if (!Contains(upper, "SQL_MODE") || Contains(upper, "GLOBAL")) return std::nullopt;
  if (!Contains(upper, "'") && !Contains(upper, "DEFAULT")) return std::nullopt;
  const size_t eq = upper.find('=');
  const std::string_view value = eq == std::string::npos ? std::string_view() : std::string_view(upper).substr(eq);
  if (Contains(value, "@@") || Contains(value, "(")) return std::nullopt;
  SessionFlags flags;
  flags.no_backslash_escapes = Contains(upper, "NO_BACKSLASH_ESCAPES");
  flags.ansi_quotes = AnsiQuotesIn(upper);
  return flags;
}

Result<std::vector<ClassifiedStatement>> SplitScriptFollowingLiteralModes(std::string_view script, SqlDialect dialect,
                                                                          std::string source_name) {
  StatementSource source(script, dialect, std::move(source_name));
  std::vector<ClassifiedStatement> out;
  for (;;) {
    CHIMP_ASSIGN_OR_RETURN(std::optional<ClassifiedStatement> next, source.Next());
    if (!next.has_value()) return out;
    if (auto modes = LiteralSessionModes(next->statement.text)) source.Follow(*modes);
    out.push_back(std::move(*next));
  }
}

}  // namespace chimp::internal
