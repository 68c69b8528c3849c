// The ScriptRunner dialect (see SplitScriptRunner in sql_splitter.hpp).
#include <string>
#include <string_view>
#include <vector>

#include "chimp/sql_splitter.hpp"

namespace chimp {

namespace {

// Java String.trim(): drops every char <= U+0020 at both ends. UTF-8
// continuation and lead bytes are >= 0x80, so bytes give the same answer.
std::string_view JavaTrim(std::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && static_cast<unsigned char>(s[begin]) <= 0x20) ++begin;
  while (end > begin && static_cast<unsigned char>(s[end - 1]) <= 0x20) --end;
  return s.substr(begin, end - begin);
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool IsBlank(std::string_view s) { return JavaTrim(s).empty(); }

}  // namespace

Result<std::vector<SqlStatement>> SplitScriptRunner(std::string_view script, std::string_view source_name,
                                                    std::string* dropped_tail) {
  std::vector<SqlStatement> out;
  std::string command;
  uint32_t first_line = 0;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < script.size()) {
    // java.io.BufferedReader.readLine(): "\n", "\r" or "\r\n" ends a line.
    size_t end = pos;
    while (end < script.size() && script[end] != '\n' && script[end] != '\r') ++end;
    const std::string_view line = script.substr(pos, end - pos);
    pos = end;
    if (pos < script.size()) {
      if (script[pos] == '\r' && pos + 1 < script.size() && script[pos + 1] == '\n') ++pos;
      ++pos;
    }
    ++line_no;

    const std::string_view trimmed = JavaTrim(line);
    if (trimmed.empty() || StartsWith(trimmed, "--") || StartsWith(trimmed, "//") || StartsWith(trimmed, "#")) {
      continue;
    }
    if (first_line == 0) first_line = line_no;
    if (trimmed.back() == ';') {
      command.append(line.substr(0, line.rfind(';')));
      command += ' ';
      if (IsBlank(command)) {
        return Status::InvalidArgument(std::string(source_name) + ":" + std::to_string(line_no) +
                                       ": empty statement: ScriptRunner would send it and the server "
                                       "refuses it (error 1065, 'Query was empty'); remove the ';'");
      }
      SqlStatement statement;
      statement.text = std::move(command);
      statement.first_line = first_line;
      statement.last_line = line_no;
      statement.index = static_cast<uint32_t>(out.size());
      out.push_back(std::move(statement));
      command.clear();
      first_line = 0;
    } else {
      const size_t dashes = line.find("--");
      command.append(dashes == std::string_view::npos ? line : line.substr(0, dashes));
      command += ' ';
    }
  }
  if (dropped_tail != nullptr) *dropped_tail = IsBlank(command) ? std::string() : command;
  return out;
}

}  // namespace chimp
