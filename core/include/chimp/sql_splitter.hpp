// SqlSplitter: cuts an SQL script into the statements the `mariadb`
// command-line client (MariaDB 10.11, default options, batch mode, utf8mb4)
// would send to the server, one at a time, with exactly the text it sends.
//
// SQL migration steps are executed this way, so a script behaves under chimp
// as it does under `mariadb db < script.sql`. The rules below are those of
// the client's add_line()/read_and_execute() in client/mysql.cc and were
// checked against the real 10.11 client (see tests/unit/sql/splitter_test.cpp).
//
// What the client sends, and therefore what SqlStatement::text holds:
//  1. Statements end at the current delimiter (";" at first) outside quotes
//     and comments, at "\g" or "\G", or at the end of the script. The
//     delimiter itself is not sent. A statement that is empty after trimming
//     (";;", a comment alone) is not sent at all.
//  2. Whitespace before a statement is dropped; trailing bytes that are not
//     printable (space, tab, CR, LF, other control characters) are trimmed.
//     Inside a statement every line break is one "\n" (CRLF becomes LF).
//  3. "-- " comments (two dashes and then whitespace or the end of the line;
//     at the very start of a statement "--" alone is enough) and "#" comments
//     run to the end of the line and are removed. The line break after them
//     is kept when the statement already has text.
//  4. "/* ... */" comments are removed. The client does not nest them and
//     does not keep the line breaks inside them. When text follows "*/"
//     directly on the same line, one space is put in its place
//     ("SELECT/*c*/1" sends "SELECT 1", "/*c*/SELECT 1" sends " SELECT 1").
//  5. "/*! ... */" and "/*M! ... */" (executable comments, with or without a
//     version number) are kept verbatim: the server decides.
//  6. Quotes ' " ` are tracked so that delimiters and comment markers inside
//     them are text. A doubled quote ('it''s') stays inside the string. A
//     backslash escapes the next byte inside ' and " strings, but not inside
//     backticks, not inside " when ANSI_QUOTES is on, and not in any string
//     when NO_BACKSLASH_ESCAPES is on (see SetAnsiQuotes() and
//     SetNoBackslashEscapes()). A backslash at the very end of a line is
//     dropped, even inside a string.
//  7. A UTF-8 byte order mark at the start of the script is skipped. A NUL
//     byte anywhere is an error (the client refuses it without --binary-mode).
//  8. "DELIMITER x" on a line of its own, at the start of a statement, sets
//     the delimiter ("delimiter", any case, leading blanks allowed; the
//     argument may be quoted: DELIMITER '$$'). The whole line is consumed and
//     nothing is sent. The client only recognises it at the start of a
//     statement: "SELECT 1; DELIMITER //" on one line is not a delimiter
//     change until the next ";" - the client's own quirk, reproduced.
//  9. Bytes are read as UTF-8: a valid multibyte character is copied as one
//     unit, so a delimiter cannot begin with one.
//
// Client commands. The client also runs its own commands: named ones ("use
// db") on a line of their own or as a whole statement ("use db;"), and
// backslash ones ("\u db") anywhere outside quotes. chimp handles them so:
//
//   command                      | client                  | chimp
//   -----------------------------+-------------------------+------------------------------
//   delimiter x, \d x            | sets the delimiter      | same; nothing is returned
//   ; (delimiter), \g, go        | sends the statement     | same: returns it
//   \G, ego                      | sends, shows vertically | same as \g
//   use db, \u db                | mysql_select_db(db)     | returns Kind::kUse, database
//                                |  (COM_INIT_DB)          |  "db", text "USE `db`"
//   \- (sandbox)                 | forbids file commands   | accepted; nothing returned
//                                |  (mariadb-dump writes   |  (chimp refuses those anyway)
//                                |  it on the first line)  |
//   \N                           | not a command (NULL)    | kept in the text
//   source, \.                   | runs another file       | error: not supported
//   quit, exit, \q               | stops the script        | error: not supported
//   charset, \C                  | SET NAMES + client      | error: not supported
//                                |  charset change         |
//   clear, \c                    | drops the statement     | error: not supported
//   connect \r, edit \e, help \h | interactive features,   | error: not supported
//   ? \?, nopager \n, notee \t,  |  output or connection   |
//   pager \P, print \p, prompt   |  settings               |
//   \R, rehash \#, status \s,    |                         |
//   system \!, tee \T, warnings  |                         |
//   \W, nowarning \w             |                         |
//   any other \x                 | "Unknown command" error | error: unknown command
//   DELIMITER longer than 15     | silently truncated to   | error (a script relying on
//   bytes                        |  15 bytes               |  truncation is a bug)
//   DELIMITER without argument,  | error message, goes on  | error
//   or containing a backslash    |                         |
//   use without a database       | error message, goes on  | error
//
// Rationale: an executor that ignored "source" or "\c" would run different
// SQL from the client without saying so; refusing names the line to fix.
// "use" changes the default database, which later statements rely on, so it
// is returned for the executor to apply (mysql_select_db, or run the text).
// The client parses the database name its own way and chimp copies it:
// "use db;" selects "db", "\u db;" selects "db;", "use `a``b`" selects "a`b".
//
// Error messages start "<source>:<line>: " and say what is wrong, e.g.
//   V7__fees.sql:12: unterminated '-quoted string: it began on line 12 and is
//   still open at the end of the script (line 40)
//   V7__fees.sql:3: client command 'source' (\.) is not supported by chimp:
//   put the statements of that file in this script or in a step of their own
// All are Status::InvalidArgument: the script must be fixed.
//
// Known differences from the client, by design: an unterminated quote or
// "/*" comment at the end of the script is an error (the client sends what
// it has and lets the server fail); the client's lines longer than its
// buffer and --binary-mode are not modelled; the client's reading of bytes
// 0x80-0xFF as latin1 under a non-UTF-8 locale (where 0xA0 counts as a
// blank) is not modelled.
#ifndef CHIMP_SQL_SPLITTER_HPP_
#define CHIMP_SQL_SPLITTER_HPP_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/status.hpp"

namespace chimp {

// The longest delimiter the client keeps (its buffer holds 15 bytes).
inline constexpr std::size_t kMaxSqlDelimiterLength = 15;

// One thing to send to the server.
struct SqlStatement {
  enum class Kind {
    kQuery,  // send `text` as a query (COM_QUERY)
    kUse,    // select `database` as the default database (COM_INIT_DB);
             // `text` is the equivalent "USE `database`" query
  };

  Kind kind = Kind::kQuery;
  // Exactly what the client sends: comments stripped as the client strips
  // them, "/*! */" kept, no trailing delimiter. Never empty.
  std::string text;
  // kUse only: the database name as the client parsed it. Empty for kQuery.
  std::string database;
  // 1-based lines in the script: where the statement's text starts, and the
  // line holding its delimiter (or its last text when the script ends
  // without one). A "use" command has both on its own line.
  uint32_t first_line = 0;
  uint32_t last_line = 0;
  // 0-based ordinal among the statements returned by this splitter.
  uint32_t index = 0;
};

// Splits a script one statement at a time.
//
// Streaming, because the client's reading of quotes depends on the session:
// after "SET sql_mode='NO_BACKSLASH_ESCAPES'" a backslash in a string is
// text, so the rest of the script splits differently. The executor calls
// Next(), sends the statement, updates the modes from the server's reply
// (the client reads SERVER_STATUS_NO_BACKSLASH_ESCAPES and MariaDB's
// SERVER_STATUS_ANSI_QUOTES from the status flags of every OK packet), then
// calls Next() again. The modes apply from the byte after the last
// statement returned, as in the client.
//
// Ownership: the splitter does not copy the script. The caller keeps the
// bytes `script` points to alive and unchanged until the splitter is
// destroyed. Rationale: scripts are read once into a string that outlives
// the step; copying 2 MB per step buys nothing.
//
// Not thread-safe: one splitter is used by one thread at a time. Distinct
// splitters are independent. A moved-from splitter may only be destroyed or
// assigned to.
class SqlSplitter {
 public:
  // `source_name` (a file name) starts every error message.
  // Default: delimiter ";", NO_BACKSLASH_ESCAPES and ANSI_QUOTES off.
  SqlSplitter(std::string_view script, std::string source_name);
  ~SqlSplitter();
  SqlSplitter(SqlSplitter&&) noexcept;
  SqlSplitter& operator=(SqlSplitter&&) noexcept;
  SqlSplitter(const SqlSplitter&) = delete;
  SqlSplitter& operator=(const SqlSplitter&) = delete;

  // Returns the next statement, or std::nullopt at the end of the script.
  // On error (see the header comment) returns InvalidArgument; statements
  // returned before stay valid, and every later call returns the same error.
  Result<std::optional<SqlStatement>> Next();

  // The session's NO_BACKSLASH_ESCAPES: when on, a backslash inside any
  // quote is an ordinary byte. Default: off.
  void SetNoBackslashEscapes(bool on);
  // The session's ANSI_QUOTES: when on, a backslash inside "..." is an
  // ordinary byte (the quote is an identifier quote). Default: off.
  void SetAnsiQuotes(bool on);

  // The current delimiter, as changed by DELIMITER commands read so far.
  const std::string& delimiter() const;
  const std::string& source_name() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits the whole script with the default session modes (no
// NO_BACKSLASH_ESCAPES, no ANSI_QUOTES). Returns the first error, if any.
// Use SqlSplitter when the script changes sql_mode and the split must follow.
Result<std::vector<SqlStatement>> SplitSql(std::string_view script, std::string_view source_name);

// SplitScriptRunner: the second dialect (CHIMP_DIALECT_SCRIPT_RUNNER). Cuts
// a script into the statements CloudStack's com.cloud.utils.db.ScriptRunner
// (iBATIS ScriptRunner, as CloudStack runs it: delimiter ";", not a
// full-line delimiter) sends over JDBC, with exactly the text it sends. The
// runner reads the script line by line; the rules, in its order of tests:
//
//  1. Lines end at "\n", "\r" or "\r\n" (java.io.LineNumberReader); the
//     terminator is not part of the line. A last line without a terminator
//     counts. Each line is also trimmed (Java String.trim(): every byte
//     <= 0x20, i.e. blanks and control characters, at both ends) for the
//     tests below; what is appended is the untrimmed line.
//  2. A line whose trimmed text starts with "--", "//" or "#" is a comment
//     and is skipped whole, wherever it is (between statements or in the
//     middle of one), even when it ends with ";". An empty or blank line is
//     skipped.
//  3. A line whose trimmed text ends with ";" ends the statement: the line
//     up to its last ";" is appended, then one space, and the statement is
//     sent. Anything on that line is kept, "--" included (the server then
//     reads "-- " as a comment): "SELECT 1; SELECT 2;" is sent as one
//     statement "SELECT 1; SELECT 2 " (which the server refuses unless it
//     is a compound statement, as CloudStack's procedures are: whole
//     BEGIN ... END bodies on one line).
//  4. Any other line is appended, cut at its first "--" if it has one
//     (even inside quotes: 'a--b' loses "--b'"), then one space. Lines are
//     therefore joined with a space, never a line break.
//  5. There is no DELIMITER command, no quote tracking and no "/* */"
//     handling: a ";" inside a string at the end of a line ends the
//     statement, a "DELIMITER $$" line is SQL text (the server refuses it).
//  6. At the end of the script, text collected without a final ";" is
//     never sent: the runner drops it silently. chimp drops it too (it is
//     what CloudStack does); use SplitScriptRunner's `dropped_tail` to see
//     it.
//  7. A statement that is blank (a ";" line with nothing collected) is
//     sent by the runner and refused by the server ("Query was empty");
//     chimp reports it as an error naming the line.
//  8. Bytes are passed through: no BOM is skipped (Java keeps U+FEFF), NUL
//     bytes are kept; the JDBC driver's escape processing ({fn ...},
//     {d '...'}) is not modelled.
//
// SqlStatement::text is the text the runner sends, including the trailing
// space (rule 3); kind is always kQuery ("USE db;" is sent as SQL);
// first_line is the first line appended, last_line the line with the ";".
// Errors are InvalidArgument starting "<source_name>:<line>: ".
Result<std::vector<SqlStatement>> SplitScriptRunner(std::string_view script, std::string_view source_name,
                                                    std::string* dropped_tail = nullptr);

// Whether the server commits the open transaction before running
// `statement` (MariaDB's "SQL statements that cause an implicit commit"):
// CREATE/ALTER/DROP/RENAME/TRUNCATE of tables, databases, views, indexes,
// procedures, functions, triggers, events, users, roles, servers, sequences;
// GRANT, REVOKE, SET PASSWORD; LOCK/UNLOCK TABLES; ANALYZE/CHECK/OPTIMIZE/
// REPAIR TABLE; FLUSH, RESET, SHUTDOWN, INSTALL/UNINSTALL; BEGIN, START
// TRANSACTION; START/STOP SLAVE, CHANGE MASTER; CACHE INDEX, LOAD INDEX;
// SET autocommit=1.
//
// Conservative: true when the statement can commit. Exceptions that the
// text shows are honoured: CREATE/DROP TEMPORARY, CREATE FUNCTION ...
// SONAME (a UDF), DROP PREPARE, BEGIN NOT ATOMIC, SET GLOBAL autocommit.
// UNLOCK TABLES and SET autocommit=1 commit only in some session states and
// count as committing.
//
// Leading blanks and comments are skipped. An executable comment "/*!NNNNN"
// or "/*M!NNNNNN" counts as SQL when its version is at most 101199 (MariaDB
// 10.11) or absent, and as a comment otherwise; so mariadb-dump's
// "/*!50001 CREATE ALGORITHM=UNDEFINED */ ... VIEW" is DDL. Statements that
// run other statements (EXECUTE, CALL, EXECUTE IMMEDIATE) return false.
// `statement` is one statement's text (SqlStatement::text).
bool CausesImplicitCommit(std::string_view statement);

}  // namespace chimp

#endif  // CHIMP_SQL_SPLITTER_HPP_
