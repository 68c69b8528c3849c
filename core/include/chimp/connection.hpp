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
  uint32_t port = 0;        // 0: the default (3306)
  std::string user;         // "" = the current OS user
  std::string password;     // never logged or printed
  std::string database;     // "" = no default database
  // TLS, passed through to Connector/C (MYSQL_OPT_SSL_*). Empty = unset.
  std::string ssl_ca;
  std::string ssl_cert;
  std::string ssl_key;
  bool ssl_verify_server_cert = false;
  uint32_t connect_timeout_s = 10;
  // Read ~/.my.cnf style option groups ([client], [chimp]) before the fields
  // above are applied. Default: off (explicit settings only).
  bool read_default_option_file = false;
};

// A typed value: a `?` parameter or a result cell.
struct Value {
  enum class Type { kNull, kInt64, kDouble, kText, kBytes };
  Type type = Type::kNull;
  int64_t i64 = 0;
  double f64 = 0;
  std::string text;  // kText and kBytes

  static Value Null() { return {}; }
  static Value Int(int64_t v) { Value x; x.type = Type::kInt64; x.i64 = v; return x; }
  static Value Double(double v) { Value x; x.type = Type::kDouble; x.f64 = v; return x; }
  static Value Text(std::string v) { Value x; x.type = Type::kText; x.text = std::move(v); return x; }
  static Value Bytes(std::string v) { Value x; x.type = Type::kBytes; x.text = std::move(v); return x; }
  bool is_null() const { return type == Type::kNull; }
  // Text form: numbers printed, NULL as "" (check is_null() first).
  std::string ToString() const;
};

using Row = std::vector<Value>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// What the last statement left behind.
struct ExecInfo {
  uint64_t affected_rows = 0;
  uint32_t warning_count = 0;
};

class Connection {
 public:
  // Connects with utf8mb4, autocommit on. Fails with Unavailable when the
  // server cannot be reached, DatabaseError when it refuses the login.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (no `?`), discarding any result sets it returns
  // (CALL may return several); all of them are drained so that the
  // connection stays usable.
  Result<ExecInfo> Execute(std::string_view sql);
  // Runs one statement with typed `?` parameters (a prepared statement).
  Result<ExecInfo> Execute(std::string_view sql, std::span<const Value> params);

  // Runs a query and returns all rows. Cells are typed from the column
  // types: integers as kInt64, FLOAT/DOUBLE as kDouble, binary as kBytes,
  // everything else (DECIMAL, dates, strings) as kText; NULL as kNull.
  Result<QueryResult> Query(std::string_view sql, std::span<const Value> params = {});
  // Streams rows to `fn`; `fn` returns false to stop early (the rest is
  // drained).
  Status QueryEach(std::string_view sql, std::span<const Value> params,
                   const std::function<bool(const Row&)>& fn);
  // First column of the first row; nullopt when there is no row.
  Result<std::optional<Value>> QueryScalar(std::string_view sql,
                                           std::span<const Value> params = {});

  // The first `limit` warnings/notes of the last statement ("Level Code
  // Message").
  Result<std::vector<std::string>> Warnings(size_t limit = 5);

  // Transactions on this session.
  Status Begin();
  Status Commit();
  Status Rollback();

  // Escapes and quotes `text` as a string literal ('...').
  std::string QuoteString(std::string_view text) const;
  // Quotes an identifier with backticks, doubling embedded backticks.
  static std::string QuoteIdentifier(std::string_view name);

  uint64_t ThreadId() const;           // CONNECTION_ID()
  std::string ServerVersion() const;   // e.g. "10.11.19-MariaDB-0+deb12u1"
  bool IsMariaDB() const;
  // Where this connection goes, for messages: "socket /tmp/x.sock" or
  // "host 127.0.0.1:3306", plus the user. Never includes the password.
  std::string Describe() const;

  // Implementation details; do not rely on anything below here.
  struct Impl;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace chimp

#endif  // CHIMP_CONNECTION_HPP_
