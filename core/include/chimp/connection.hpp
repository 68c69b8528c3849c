// Connection: one session with a MySQL or MariaDB server (RAII over MariaDB
// Connector/C). The only way core talks to a server.
//
// Every method is [main-thread] for its connection: a Connection is used by
// one thread at a time. Errors come back as Status values whose message names
// the server's error number and text (and the statement, shortened).
#ifndef CHIMP_CONNECTION_HPP_
#define CHIMP_CONNECTION_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/status.hpp"

namespace chimp {

struct ConnectionOptions {
  // Unix socket path; when set, host and port are ignored.
  std::string socket;
  // Default: "localhost" (which Connector/C takes as the default socket).
  std::string host = "localhost";
  uint32_t port = 0;     // 0: the default (3306)
  std::string user;      // "" = the current OS user
  std::string password;  // never logged or printed
  std::string database;  // "" = no default database
  // TLS, passed through to Connector/C (MYSQL_OPT_SSL_*). Empty = unset.
  std::string ssl_ca;
  std::string ssl_cert;
  std::string ssl_key;
  // true: verify the server certificate. false: the Connector/C default.
  bool ssl_verify_server_cert = false;
  uint32_t connect_timeout_s = 10;
  // Read ~/.my.cnf style option groups ([client], [client-server],
  // [client-mariadb], [chimp]) from the default option files. Host, port,
  // socket, user, password and database set above win when non-empty (set
  // host to "" to take it from the file); other settings in the file (TLS,
  // timeouts) override the fields above. The character set is always
  // utf8mb4. Default: off (explicit settings only).
  bool read_default_option_file = false;
};

// A typed value: a `?` parameter or a result cell. As a parameter, kText is
// sent as a string and kBytes as binary; both may hold any bytes, NULs
// included.
struct Value {
  enum class Type { kNull, kInt64, kDouble, kText, kBytes };
  Type type = Type::kNull;
  int64_t i64 = 0;
  double f64 = 0;
  std::string text;  // kText and kBytes

  static Value Null() { return {}; }
  static Value Int(int64_t v) {
    Value x;
    x.type = Type::kInt64;
    x.i64 = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.type = Type::kDouble;
    x.f64 = v;
    return x;
  }
  static Value Text(std::string v) {
    Value x;
    x.type = Type::kText;
    x.text = std::move(v);
    return x;
  }
  static Value Bytes(std::string v) {
    Value x;
    x.type = Type::kBytes;
    x.text = std::move(v);
    return x;
  }
  bool is_null() const { return type == Type::kNull; }
  // Text form: numbers printed, NULL as "" (check is_null() first).
  std::string ToString() const;
};

using Row = std::vector<Value>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// The session state the server reports in the status flags of every reply
// (OK and EOF packets); free to read, no round trip.
struct SessionFlags {
  bool in_transaction = false;        // SERVER_STATUS_IN_TRANS
  bool no_backslash_escapes = false;  // SERVER_STATUS_NO_BACKSLASH_ESCAPES
  bool ansi_quotes = false;           // SERVER_STATUS_ANSI_QUOTES (MariaDB)
};

// What the last statement left behind.
struct ExecInfo {
  uint64_t affected_rows = 0;
  uint32_t warning_count = 0;
  uint64_t insert_id = 0;  // the AUTO_INCREMENT value an INSERT generated, else 0
};

// Every statement chimp sends for its own sake (transaction control around
// a step's statements, session resets, pre-image probes, warnings, the
// changelog) begins with this comment, so that the server's general log,
// slow log and processlist tell them from the statements of a migration.
inline constexpr std::string_view kInternalTag = "/*chimp*/ ";

class Connection {
 public:
  // Connects with utf8mb4, autocommit on, LOCAL INFILE off and automatic
  // reconnection off (a silent reconnect would lose the migration lock and
  // any transaction). Fails with Unavailable when the server cannot be
  // reached, DatabaseError when it refuses the login; the message names the
  // target (Describe()), never the password.
  //
  // Errors of the methods below: Unavailable when the session is lost
  // (client errors 2002, 2003, 2006, 2013, 2055; server errors 1053, 1927),
  // DatabaseError for any other server or client error, with the message
  // "server error 1064 (42000) on '<statement, ~200 chars>': <server text>";
  // InvalidArgument when the number of params does not match the `?` count.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (no `?`), discarding any result sets it returns
  // (CALL may return several); all of them are drained so that the
  // connection stays usable.
  Result<ExecInfo> Execute(std::string_view sql);
  // The same, keeping the statement's first result set (if it returns one;
  // typed as Query types cells) in *first_result, which it appends to.
  // REQUIRES: first_result is not null.
  Result<ExecInfo> Execute(std::string_view sql, QueryResult* first_result);
  // Runs one statement with typed `?` parameters (a prepared statement;
  // with no params, the text protocol as above). The statement must be one
  // the server can prepare.
  Result<ExecInfo> Execute(std::string_view sql, std::span<const Value> params);

  // Runs a query and returns all rows. Cells are typed from the column
  // types: integers as kInt64, FLOAT/DOUBLE as kDouble, binary strings
  // (BINARY, VARBINARY, BLOB, BIT) as kBytes, everything else (DECIMAL,
  // dates, text) as kText; NULL as kNull. An unsigned BIGINT above INT64_MAX
  // comes back as kText. Without params the text protocol is used, with
  // params a prepared statement. When the statement returns several result
  // sets (CALL), the first one is returned and the rest drained; a statement
  // with no result set returns no columns and no rows.
  Result<QueryResult> Query(std::string_view sql, std::span<const Value> params = {});
  // Streams rows to `fn` (unbuffered); `fn` returns false to stop early (the
  // rest is drained). `fn` must not use this connection. The Row passed is
  // reused between calls: copy what you keep.
  Status QueryEach(std::string_view sql, std::span<const Value> params, const std::function<bool(const Row&)>& fn);
  // First column of the first row; nullopt when there is no row.
  Result<std::optional<Value>> QueryScalar(std::string_view sql, std::span<const Value> params = {});

  // The first `limit` warnings/notes of the last statement ("Level Code
  // Message", e.g. "Warning 1265 Data truncated for column 'a' at row 1").
  // Call it right after the statement (ExecInfo::warning_count > 0).
  Result<std::vector<std::string>> Warnings(size_t limit = 5);

  // The status flags of the server's last reply: whether a transaction is
  // open, and the sql_mode bits that change how the client reads quotes.
  // MariaDB sets the ANSI_QUOTES bit; MySQL does not (ansi_quotes is then
  // always false). Cheap: reads the last reply, no round trip.
  SessionFlags Flags() const;

  // Resets the session as a new connection would be (COM_RESET_CONNECTION:
  // rolls back, session variables back to the global values, user
  // variables, temporary tables and prepared statements dropped), then
  // restores what Open() set: utf8mb4 and autocommit on. The default
  // database may be kept; select one afterwards.
  Status ResetSession();
  // Sets session variables now and again after every ResetSession():
  // `assignments` is "name = value, ..." (e.g. "lock_wait_timeout = 60");
  // "" sets nothing. Errors: the server's (an unknown variable).
  Status SetSessionVariables(std::string assignments);
  // True when the server has closed this session or sent it something
  // unasked while it was idle (a KILL, wait_timeout, a shutdown): a poll()
  // of its socket, no round trip. False for a session that looks alive.
  // Rationale: the migration lock's idle session is checked before every
  // statement of a run (lock.hpp); a round trip each time would cost more
  // than a small statement.
  bool PeerClosed() const;

  // Transactions on this session.
  Status Begin();
  Status Commit();
  Status Rollback();

  // Escapes and quotes `text` as a string literal ('...') for this
  // connection's character set and sql_mode (NO_BACKSLASH_ESCAPES).
  std::string QuoteString(std::string_view text) const;
  // Quotes an identifier with backticks, doubling embedded backticks.
  static std::string QuoteIdentifier(std::string_view name);

  // The server's or client's error number of the last text-protocol
  // statement (0 after a success), e.g. 1146 for a missing table.
  unsigned int LastErrorNumber() const;

  uint64_t ThreadId() const;  // CONNECTION_ID(), from the handshake
  // The options this connection was opened with (to open another one to
  // the same server, e.g. to KILL QUERY this one's statement).
  const ConnectionOptions& Options() const;
  std::string ServerVersion() const;  // e.g. "10.11.19-MariaDB-0+deb12u1"
  bool IsMariaDB() const;
  // Where this connection goes, for messages: "socket /tmp/x.sock as root",
  // "host 127.0.0.1:3306 as app" or "localhost (default socket) as app".
  // Never includes the password.
  std::string Describe() const;

  // Implementation details; do not rely on anything below here.
  struct Impl;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace chimp

#endif  // CHIMP_CONNECTION_HPP_
