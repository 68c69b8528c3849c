// SqlSplitter: a model of the mariadb client's add_line() state machine.
// One forward pass over the bytes; no regex. Names in comments (add_line,
// find_command, get_arg, com_go, remove_cntrl) are the client's functions
// whose behaviour each piece reproduces.
#include "chimp/sql_splitter.hpp"

#include <array>
#include <cstring>
#include <utility>

namespace chimp {
namespace {

// The client's character classes under utf8mb4 (my_isspace, my_isgraph).
// Bytes 0x80-0xFF that are not part of a valid character count as printable.
inline bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
inline bool IsGraph(unsigned char c) { return (c > ' ' && c != 0x7F); }
inline bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 multibyte character at p (2 to 4), or 0 for an
// ASCII byte or an invalid sequence (my_ismbchar for utf8mb4).
inline int MultibyteLength(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0xC2) return 0;
  if (c < 0xE0) return (end - p >= 2 && IsContinuation(p[1])) ? 2 : 0;
  if (c < 0xF0) {
    if (end - p < 3 || !IsContinuation(p[1]) || !IsContinuation(p[2])) return 0;
    return (c >= 0xE1 || p[1] >= 0xA0) ? 3 : 0;
  }
  if (c < 0xF5) {
    if (end - p < 4 || !IsContinuation(p[1]) || !IsContinuation(p[2]) || !IsContinuation(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] > 0x8F) return 0;
    return 4;
  }
  return 0;
}

// Bytes that may change add_line's state outside quotes and comments (the
// delimiter's first byte is checked apart).
constexpr auto kSpecial = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : std::string_view("\\#-/*'\"`")) t[c] = true;
  return t;
}();

inline char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  return true;
}

// is_delimiter_command(): the text starts with "delimiter", any case.
bool IsDelimiterCommand(std::string_view text) {
  constexpr std::string_view kName = "delimiter";
  return text.size() >= kName.size() && EqualsIgnoreCase(text.substr(0, kName.size()), kName);
}

enum class Action { kGo, kDelimiter, kUse, kSandbox, kRefuse };

struct ClientCommand {
  std::string_view name;
  char letter;
  bool takes_params;
  Action action;
  std::string_view hint;  // for kRefuse: what to do instead
};

constexpr std::string_view kInteractiveHint =
    "it only changes how the interactive client behaves or shows results; remove it";

// The client's command table (commands[] in mysql.cc), in its order.
constexpr ClientCommand kCommands[] = {
    {"?", '?', true, Action::kRefuse, kInteractiveHint},
    {"clear", 'c', false, Action::kRefuse,
     "it throws away the statement typed so far; remove the command and that text"},
    {"connect", 'r', true, Action::kRefuse, "chimp manages the connection; remove it"},
    {"delimiter", 'd', true, Action::kDelimiter, {}},
    {"edit", 'e', false, Action::kRefuse, kInteractiveHint},
    {"ego", 'G', false, Action::kGo, {}},
    {"exit", 'q', false, Action::kRefuse, "a step ends at the end of its script; remove it"},
    {"go", 'g', false, Action::kGo, {}},
    {"help", 'h', true, Action::kRefuse, kInteractiveHint},
    {"nopager", 'n', false, Action::kRefuse, kInteractiveHint},
    {"notee", 't', false, Action::kRefuse, kInteractiveHint},
    {"pager", 'P', true, Action::kRefuse, kInteractiveHint},
    {"print", 'p', false, Action::kRefuse, kInteractiveHint},
    {"prompt", 'R', true, Action::kRefuse, kInteractiveHint},
    {"quit", 'q', false, Action::kRefuse, "a step ends at the end of its script; remove it"},
    {"rehash", '#', false, Action::kRefuse, kInteractiveHint},
    {"sandbox", '-', false, Action::kSandbox, {}},
    {"source", '.', true, Action::kRefuse, "put the statements of that file in this script or in a step of their own"},
    {"status", 's', false, Action::kRefuse, kInteractiveHint},
    {"system", '!', true, Action::kRefuse, "chimp does not run shell commands; remove it"},
    {"tee", 'T', true, Action::kRefuse, kInteractiveHint},
    {"use", 'u', true, Action::kUse, {}},
    {"charset", 'C', true, Action::kRefuse,
     "chimp sends scripts as utf8mb4; use SET NAMES in SQL if the session needs another "
     "character set"},
    {"warnings", 'W', false, Action::kRefuse, kInteractiveHint},
    {"nowarning", 'w', false, Action::kRefuse, kInteractiveHint},
};

const ClientCommand* FindCommandByLetter(char letter) {
  for (const ClientCommand& c : kCommands)
    if (c.letter == letter) return &c;
  return nullptr;
}

// get_arg(): the first argument of a command line ("use `my db`",
// "\d $$"). Skips the command word (or "\x"), then blanks; a quoted argument
// runs to its closing quote, an unquoted one to the next space. A backslash
// takes the next byte literally; a doubled quote is one quote (named
// commands only). Returns nullopt when there is no argument or the quote is
// not closed.
std::optional<std::string> GetArg(std::string_view line) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n && IsSpace(line[i])) ++i;
  const bool short_cmd = i < n && line[i] == '\\';
  if (short_cmd) {
    i += 2;
  } else {
    while (i < n && !IsSpace(line[i])) ++i;
  }
  if (i >= n) return std::nullopt;
  while (i < n && IsSpace(line[i])) ++i;
  char quote = 0;
  if (i < n && (line[i] == '\'' || line[i] == '"' || line[i] == '`')) quote = line[i++];
  const std::size_t start = i;
  std::string arg;
  for (; i < n; ++i) {
    const char c = line[i];
    if ((c == '\\' && i + 1 < n) || (!short_cmd && quote && c == quote && i + 1 < n && line[i + 1] == quote)) {
      arg.push_back(line[++i]);
    } else if (c == (quote ? quote : ' ')) {
      quote = 0;
      break;
    } else {
      arg.push_back(c);
    }
  }
  if (i == start || quote) return std::nullopt;
  return arg;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

std::string_view QuoteNoun(char quote, bool ansi_quotes) {
  if (quote == '`' || (quote == '"' && ansi_quotes)) return "identifier";
  return "string";
}

}  // namespace

class SqlSplitter::Impl {
 public:
  Impl(std::string_view script, std::string source_name) : script_(script), source_(std::move(source_name)) {}

  Result<std::optional<SqlStatement>> Next();

  std::string_view script_;
  std::string source_;
  std::string delimiter_ = ";";
  bool no_backslash_escapes_ = false;
  bool ansi_quotes_ = false;

 private:
  Status Error(uint32_t line, std::string_view what) const {
    std::string msg = source_;
    msg += ':';
    msg += std::to_string(line);
    msg += ": ";
    msg += what;
    return Status::InvalidArgument(std::move(msg));
  }

  // What a byte of add_line() left: go on, the line is done, or a
  // statement is ready.
  enum class Scan { kNext, kLineDone, kStatement };

  Status StartLine();
  Status ScanLine(std::optional<SqlStatement>* out);
  void CopyRun();
  Result<Scan> ScanByte(std::optional<SqlStatement>* out);
  Result<Scan> Backslash(std::size_t pos, std::optional<SqlStatement>* out);
  std::size_t CommandEnd(std::size_t next, const ClientCommand& command) const;
  Scan CommentOrText(std::size_t pos, unsigned char c);
  Status EndOfScript(std::optional<SqlStatement>* out);
  void EndLine();
  Status EndOfStatement(std::optional<SqlStatement>* out);
  Status RunCommand(const ClientCommand& command, std::string_view line, uint32_t first_line,
                    std::optional<SqlStatement>* out);
  Status SetDelimiter(std::string_view line);
  Status Use(std::string_view line, uint32_t first_line, std::optional<SqlStatement>* out);
  void Go(uint32_t last_line, std::optional<SqlStatement>* out);
  const ClientCommand* FindNamedCommand(std::string_view text) const;

  void Put(char c) {
    if (buf_.empty()) first_line_ = line_no_;
    buf_.push_back(c);
    if (IsGraph(static_cast<unsigned char>(c))) last_text_line_ = line_no_;
  }
  unsigned char At(std::size_t i) const { return i < line_end_ ? static_cast<unsigned char>(script_[i]) : 0; }

  // Where reading stands.
  std::size_t next_line_ = 0;  // first byte of the next line to read
  std::size_t line_end_ = 0;   // end of the current line, without CR LF
  std::size_t cur_ = 0;        // next byte of the current line
  uint32_t line_no_ = 0;       // current line, 1-based
  bool in_line_ = false;       // inside a line being scanned by add_line
  bool finished_ = false;
  Status error_;

  // add_line's state. in_string_ and ml_comment_ persist across lines;
  // ss_comment_ and need_space_ are reset at every line, as in the client.
  char in_string_ = 0;
  bool ml_comment_ = false;
  bool ss_comment_ = false;
  bool need_space_ = false;
  uint32_t string_line_ = 0;
  uint32_t comment_line_ = 0;

  // The statement being built (the client's glob_buffer plus the part of
  // the current line not yet flushed to it, which starts at pending_begin_).
  std::string buf_;
  std::size_t pending_begin_ = 0;
  uint32_t first_line_ = 0;
  uint32_t last_text_line_ = 0;
  uint32_t next_index_ = 0;
};

// find_command(char*): whether `text` (a line, or a whole statement at its
// delimiter) is a named client command.
const ClientCommand* SqlSplitter::Impl::FindNamedCommand(std::string_view text) const {
  std::size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  const std::string_view name = text.substr(i);
  if (name.find("\\g") != std::string_view::npos) return nullptr;
  if (name.find(delimiter_) != std::string_view::npos && !IsDelimiterCommand(name)) return nullptr;
  const std::size_t word_end = name.find_first_of(" \t");
  bool has_args = false;
  std::size_t len = name.size();
  if (word_end != std::string_view::npos) {
    len = word_end;
    std::size_t j = word_end;
    while (j < name.size() && IsSpace(name[j])) ++j;
    has_args = j < name.size();
  }
  const std::string_view word = name.substr(0, len);
  for (const ClientCommand& c : kCommands) {
    if (EqualsIgnoreCase(word, c.name) && (!has_args || (c.takes_params && GetArg(name).has_value()))) return &c;
  }
  return nullptr;
}

// com_go(): trims the statement (remove_cntrl) and returns it unless empty.
void SqlSplitter::Impl::Go(uint32_t last_line, std::optional<SqlStatement>* out) {
  std::size_t n = buf_.size();
  while (n > 0 && !IsGraph(static_cast<unsigned char>(buf_[n - 1]))) --n;
  if (n > 0) {
    SqlStatement st;
    st.text.assign(buf_, 0, n);  // buf_ keeps its capacity for the next one
    st.first_line = first_line_;
    st.last_line = last_line;
    st.index = next_index_++;
    *out = std::move(st);
  }
  buf_.clear();
  pending_begin_ = 0;
}

// com_delimiter().
Status SqlSplitter::Impl::SetDelimiter(std::string_view line) {
  std::optional<std::string> arg = GetArg(line.substr(0, 255));
  if (!arg || arg->empty()) return Error(line_no_, "DELIMITER must be followed by the new delimiter");
  if (arg->find('\\') != std::string::npos)
    return Error(line_no_, "DELIMITER '" + *arg + "' contains a backslash, which the client refuses");
  if (arg->size() > kMaxSqlDelimiterLength)
    return Error(line_no_, "DELIMITER '" + *arg + "' is " + std::to_string(arg->size()) +
                               " bytes long; the client keeps only the first " +
                               std::to_string(kMaxSqlDelimiterLength));
  delimiter_ = std::move(*arg);
  return Status::Ok();
}

// com_use().
Status SqlSplitter::Impl::Use(std::string_view line, uint32_t first_line, std::optional<SqlStatement>* out) {
  std::optional<std::string> arg = GetArg(line.substr(0, 512));
  if (!arg || arg->empty()) return Error(line_no_, "USE must be followed by a database name");
  SqlStatement st;
  st.kind = SqlStatement::Kind::kUse;
  st.text = "USE " + QuoteIdentifier(*arg);
  st.database = std::move(*arg);
  st.first_line = first_line;
  st.last_line = line_no_;
  st.index = next_index_++;
  *out = std::move(st);
  return Status::Ok();
}

Status SqlSplitter::Impl::RunCommand(const ClientCommand& command, std::string_view line, uint32_t first_line,
                                     std::optional<SqlStatement>* out) {
  switch (command.action) {
    case Action::kGo: Go(line_no_, out); return Status::Ok();
    case Action::kDelimiter: return SetDelimiter(line);
    case Action::kUse: return Use(line, first_line, out);
    case Action::kSandbox: return Status::Ok();
    case Action::kRefuse: break;
  }
  std::string what = "client command '";
  what += command.name;
  what += "' (\\";
  what += command.letter;
  what += ") is not supported by chimp: ";
  what += command.hint;
  return Error(first_line, what);
}

// The delimiter was found: run the statement as a named command if it is
// one (find_command on the buffer), otherwise send it.
Status SqlSplitter::Impl::EndOfStatement(std::optional<SqlStatement>* out) {
  const ClientCommand* command = FindNamedCommand(buf_);
  if (!command || command->action == Action::kGo) {  // "go;" sends "go", as the client does
    Go(line_no_, out);
    return Status::Ok();
  }
  const std::string text = std::move(buf_);
  buf_.clear();
  pending_begin_ = 0;
  return RunCommand(*command, text, first_line_, out);
}

// Reads the next line: strips LF or CR LF and, on line 1, a UTF-8 BOM; then
// checks for NUL (read_and_execute, batch_readline).
Status SqlSplitter::Impl::StartLine() {
  const std::size_t begin = next_line_;
  const char* data = script_.data();
  const void* nl = std::memchr(data + begin, '\n', script_.size() - begin);
  std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : script_.size();
  next_line_ = nl ? end + 1 : end;
  if (nl && end > begin && data[end - 1] == '\r') --end;
  ++line_no_;
  cur_ = begin;
  line_end_ = end;
  if (line_no_ == 1 && end - begin >= 3 && std::memcmp(data + begin, "\xEF\xBB\xBF", 3) == 0) cur_ += 3;
  if (std::memchr(data + cur_, '\0', line_end_ - cur_))
    return Error(line_no_,
                 "NUL byte in the script; the client refuses ASCII '\\0' "
                 "outside --binary-mode");
  return Status::Ok();
}

// End of a line in add_line(): keep the line break unless the statement is
// empty, a comment is open, or the line's text is a DELIMITER command.
void SqlSplitter::Impl::EndLine() {
  if (!buf_.empty() && !ml_comment_) {
    std::string_view pending(buf_.data() + pending_begin_, buf_.size() - pending_begin_);
    if (!IsDelimiterCommand(pending) || in_string_) Put('\n');
  }
  in_line_ = false;
}

// add_line(): scans the current line from cur_ until it ends or a
// statement is ready. Returns with *out set in the latter case; the next
// call resumes after the statement's terminator.
Status SqlSplitter::Impl::ScanLine(std::optional<SqlStatement>* out) {
  while (cur_ < line_end_) {
    CopyRun();
    if (cur_ >= line_end_) break;
    CHIMP_ASSIGN_OR_RETURN(const Scan scan, ScanByte(out));
    if (scan == Scan::kLineDone) break;
    if (scan == Scan::kStatement) return Status::Ok();
  }
  EndLine();
  return Status::Ok();
}

// Fast paths over runs of bytes that cannot change the state: comment text
// up to the next '*' or '/', string text up to the next quote or backslash,
// statement text up to the next byte that may start something. The
// byte-by-byte rules of ScanByte decide at the run's end.
void SqlSplitter::Impl::CopyRun() {
  const auto* bytes = reinterpret_cast<const unsigned char*>(script_.data());
  std::size_t run = cur_;
  if (ml_comment_) {
    while (run < line_end_ && bytes[run] != '*' && bytes[run] != '/') ++run;
    cur_ = run;
  } else if (in_string_) {
    const auto quote = static_cast<unsigned char>(in_string_);
    while (run < line_end_ && bytes[run] != quote && bytes[run] != '\\') ++run;
  } else if (!buf_.empty() && !need_space_) {
    const auto delimiter_start = static_cast<unsigned char>(delimiter_[0]);
    while (run < line_end_ && !kSpecial[bytes[run]] && bytes[run] != delimiter_start) ++run;
  }
  if (run <= cur_) return;
  buf_.append(script_.data() + cur_, run - cur_);
  for (std::size_t k = cur_; k < run; ++k) {
    if (IsGraph(bytes[k])) {
      last_text_line_ = line_no_;
      break;
    }
  }
  cur_ = run;
}

// One byte of add_line() at cur_ (< line_end_).
Result<SqlSplitter::Impl::Scan> SqlSplitter::Impl::ScanByte(std::optional<SqlStatement>* out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(script_.data());
  const std::size_t pos = cur_;
  const unsigned char c = bytes[pos];
  // Blanks before a statement are dropped.
  if (IsSpace(c) && buf_.empty()) {
    cur_ = pos + 1;
    return Scan::kNext;
  }
  // A multibyte character is copied whole and never starts anything.
  if (c >= 0x80) {
    if (int len = MultibyteLength(bytes + pos, bytes + line_end_)) {
      if (!ml_comment_)
        for (int k = 0; k < len; ++k) Put(static_cast<char>(bytes[pos + k]));
      cur_ = pos + len;
      return Scan::kNext;
    }
  }
  // Backslash: an escape inside a string, else a client command.
  if (c == '\\' && !ml_comment_ && in_string_ != '`' && !(in_string_ == '"' && ansi_quotes_) &&
      !(in_string_ && no_backslash_escapes_)) {
    return Backslash(pos, out);
  }
  // The delimiter ends the statement.
  if (!ml_comment_ && !in_string_ && c == static_cast<unsigned char>(delimiter_[0]) &&
      script_.compare(pos, delimiter_.size(), delimiter_) == 0 && pos + delimiter_.size() <= line_end_) {
    cur_ = pos + delimiter_.size();
    pending_begin_ = buf_.size();
    CHIMP_RETURN_IF_ERROR(EndOfStatement(out));
    return *out ? Scan::kStatement : Scan::kNext;
  }
  // "#" and "-- " comments run to the end of the line.
  if (!ml_comment_ && !in_string_ &&
      (c == '#' ||
       (c == '-' && At(pos + 1) == '-' && (IsSpace(At(pos + 2)) || pos + 2 >= line_end_ || buf_.empty())))) {
    pending_begin_ = buf_.size();
    cur_ = line_end_;
    return Scan::kLineDone;
  }
  return CommentOrText(pos, c);
}

// A backslash at `pos` outside a comment, where it escapes or commands.
Result<SqlSplitter::Impl::Scan> SqlSplitter::Impl::Backslash(std::size_t pos, std::optional<SqlStatement>* out) {
  if (pos + 1 >= line_end_) {  // dropped: the client's readline adds it
    cur_ = line_end_;
    return Scan::kLineDone;
  }
  const char letter = script_[pos + 1];
  if (in_string_ || letter == 'N') {
    Put('\\');
    Put(letter);
    cur_ = pos + 2;
    return Scan::kNext;
  }
  const ClientCommand* command = FindCommandByLetter(letter);
  if (!command)
    return Error(line_no_, "unknown client command '\\" + Printable(letter) +
                               "' (outside quotes a backslash starts a client command)");
  pending_begin_ = buf_.size();
  const std::string_view rest = script_.substr(pos, line_end_ - pos);
  CHIMP_RETURN_IF_ERROR(RunCommand(*command, rest, line_no_, out));
  cur_ = CommandEnd(pos + 2, *command);
  return *out ? Scan::kStatement : Scan::kNext;
}

// Where a backslash command's arguments end, from `next` (after the
// command's letter): at the end of the executable comment the command sits
// in, else past the next delimiter, else at the end of the line.
std::size_t SqlSplitter::Impl::CommandEnd(std::size_t next, const ClientCommand& command) const {
  if (!command.takes_params) return next;
  const std::string_view tail = script_.substr(next, line_end_ - next);
  if (ss_comment_) {
    const std::size_t close = tail.find("*/");
    return close == std::string_view::npos ? line_end_ : next + close;
  }
  const std::size_t d = tail.find(delimiter_);
  return d == std::string_view::npos ? line_end_ : next + d + delimiter_.size();
}

// The byte `c` at `pos` when it ends no statement and starts no line
// comment: "/*" and "*/" open and close comments; any other byte tracks
// "/*!" and quotes and is copied unless in a comment.
SqlSplitter::Impl::Scan SqlSplitter::Impl::CommentOrText(std::size_t pos, unsigned char c) {
  // "/*" opens a comment unless it is "/*!" or "/*M!".
  if (!in_string_ && c == '/' && At(pos + 1) == '*' &&
      !(At(pos + 2) == '!' || (At(pos + 2) == 'M' && At(pos + 3) == '!'))) {
    if (!ml_comment_) comment_line_ = line_no_;
    ml_comment_ = true;
    pending_begin_ = buf_.size();
    cur_ = pos + 2;
    return Scan::kNext;
  }
  // "*/" closes it; text right after it gets a space.
  if (ml_comment_ && !ss_comment_ && c == '*' && At(pos + 1) == '/') {
    ml_comment_ = false;
    pending_begin_ = buf_.size();
    need_space_ = true;
    cur_ = pos + 2;
    return Scan::kNext;
  }
  if (!in_string_ && c == '/' && At(pos + 1) == '*' && At(pos + 2) == '!') {
    ss_comment_ = true;
  } else if (!in_string_ && ss_comment_ && c == '*' && At(pos + 1) == '/') {
    ss_comment_ = false;
  }
  if (in_string_ && c == static_cast<unsigned char>(in_string_)) {
    in_string_ = 0;
  } else if (!ml_comment_ && !in_string_ && (c == '\'' || c == '"' || c == '`')) {
    in_string_ = static_cast<char>(c);
    string_line_ = line_no_;
  }
  if (!ml_comment_) {
    if (need_space_ && !IsSpace(c)) Put(' ');
    need_space_ = false;
    Put(static_cast<char>(c));
  }
  cur_ = pos + 1;
  return Scan::kNext;
}

// The end of the script: an open quote or comment is an error; else the
// text collected is the last statement.
Status SqlSplitter::Impl::EndOfScript(std::optional<SqlStatement>* out) {
  if (in_string_) {
    const char q[2] = {in_string_, 0};
    return Error(string_line_, std::string("unterminated ") + q + "-quoted " +
                                   std::string(QuoteNoun(in_string_, ansi_quotes_)) + ": it began on line " +
                                   std::to_string(string_line_) + " and is still open at the end of the script (line " +
                                   std::to_string(line_no_) + ")");
  }
  if (ml_comment_) {
    return Error(comment_line_, "unterminated /* comment: it began on line " + std::to_string(comment_line_) +
                                    " and is still open at the end of the script (line " + std::to_string(line_no_) +
                                    ")");
  }
  Go(last_text_line_, out);
  return Status::Ok();
}

Result<std::optional<SqlStatement>> SqlSplitter::Impl::Next() {
  if (!error_.ok()) return error_;
  std::optional<SqlStatement> out;
  while (!out) {
    Status status;
    if (!in_line_) {
      if (next_line_ >= script_.size()) {  // end of the script
        if (finished_) return std::optional<SqlStatement>();
        finished_ = true;
        error_ = EndOfScript(&out);
        if (!error_.ok()) return error_;
        return out;
      }
      status = StartLine();
      if (status.ok() && buf_.empty() && !ml_comment_ && !in_string_) {
        // read_and_execute(): a named command on a line of its own.
        const std::string_view line = script_.substr(cur_, line_end_ - cur_);
        if (const ClientCommand* command = FindNamedCommand(line)) {
          status = RunCommand(*command, line, line_no_, &out);
          if (!status.ok()) {
            error_ = status;
            return status;
          }
          continue;
        }
      }
      if (status.ok()) {
        if (cur_ == line_end_ && buf_.empty()) continue;  // empty line
        in_line_ = true;
        ss_comment_ = false;
        need_space_ = false;
        pending_begin_ = buf_.size();
      }
    }
    if (status.ok()) status = ScanLine(&out);
    if (!status.ok()) {
      error_ = status;
      return status;
    }
  }
  return out;
}

SqlSplitter::SqlSplitter(std::string_view script, std::string source_name)
    : impl_(std::make_unique<Impl>(script, std::move(source_name))) {}
SqlSplitter::~SqlSplitter() = default;
SqlSplitter::SqlSplitter(SqlSplitter&&) noexcept = default;
SqlSplitter& SqlSplitter::operator=(SqlSplitter&&) noexcept = default;

Result<std::optional<SqlStatement>> SqlSplitter::Next() { return impl_->Next(); }
void SqlSplitter::SetNoBackslashEscapes(bool on) { impl_->no_backslash_escapes_ = on; }
void SqlSplitter::SetAnsiQuotes(bool on) { impl_->ansi_quotes_ = on; }
const std::string& SqlSplitter::delimiter() const { return impl_->delimiter_; }
const std::string& SqlSplitter::source_name() const { return impl_->source_; }

Result<std::vector<SqlStatement>> SplitSql(std::string_view script, std::string_view source_name) {
  SqlSplitter splitter(script, std::string(source_name));
  std::vector<SqlStatement> statements;
  while (true) {
    CHIMP_ASSIGN_OR_RETURN(std::optional<SqlStatement> next, splitter.Next());
    if (!next) break;
    statements.push_back(std::move(*next));
  }
  return statements;
}

}  // namespace chimp
