// Connection over MariaDB Connector/C. The only file that includes mysql.h
// besides the rest of core/src/db/ (STYLE.md rule 4).
#include "chimp/connection.hpp"

// mysql.h first: the other Connector/C headers use its types.
#include <mysql.h>

#include <errmsg.h>
#include <ma_pvio.h>
#include <mysqld_error.h>

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

#include "sql/shorten.hpp"

namespace chimp {

namespace {

constexpr size_t kMaxStatementInMessage = 200;
constexpr unsigned int kBinaryCharset = 63;
constexpr unsigned long kInitialCellBuffer = 256;

void LibraryInit() {
  // mysql_init() would do this lazily, but not thread-safely.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// Errors after which this session is gone: retry on a new connection.
bool IsConnectionLost(unsigned int err) {
  switch (err) {
    case CR_CONNECTION_ERROR:      // 2002
    case CR_CONN_HOST_ERROR:       // 2003
    case CR_SERVER_GONE_ERROR:     // 2006
    case CR_SERVER_LOST:           // 2013
    case CR_SERVER_LOST_EXTENDED:  // 2055
    case ER_CONNECTION_KILLED:     // 1927
    case ER_SERVER_SHUTDOWN:       // 1053
      return true;
    default: return false;
  }
}

// Collapses whitespace and cuts at ~200 bytes on a UTF-8 boundary.
std::string ShortenStatement(std::string_view sql) {
  return internal::ShortenSql(sql, internal::ShortenStyle::kCollapseBlanks, kMaxStatementInMessage);
}

Status MakeError(unsigned int err, const char* sqlstate, const char* text, std::string_view sql) {
  // Client-side codes (CR_*) are 2000-2999 and 5000-5999.
  bool client = (err >= 2000 && err < 3000) || (err >= 5000 && err < 6000);
  std::string msg = client ? "client error " : "server error ";
  msg += std::to_string(err);
  if (sqlstate != nullptr && *sqlstate != '\0') {
    msg += " (";
    msg += sqlstate;
    msg += ")";
  }
  if (!sql.empty()) {
    msg += " on '";
    msg += ShortenStatement(sql);
    msg += "'";
  }
  msg += ": ";
  msg += (text != nullptr ? text : "");
  Status status = IsConnectionLost(err) ? Status::Unavailable(std::move(msg)) : Status::DatabaseError(std::move(msg));
  return status.WithServerError(err, sqlstate != nullptr ? sqlstate : "");
}

Status ConnError(MYSQL* m, std::string_view sql) {
  return MakeError(mysql_errno(m), mysql_sqlstate(m), mysql_error(m), sql);
}

Status StmtError(MYSQL_STMT* s, std::string_view sql) {
  return MakeError(mysql_stmt_errno(s), mysql_stmt_sqlstate(s), mysql_stmt_error(s), sql);
}

std::string DescribeTarget(const std::string& socket, const std::string& host, uint32_t port, const std::string& user) {
  std::string out;
  if (!socket.empty()) {
    out = "socket " + socket;
  } else if (host.empty() || host == "localhost") {
    out = port == 0 ? "localhost (default socket)" : "localhost:" + std::to_string(port);
  } else {
    out = "host " + host + ":" + std::to_string(port == 0 ? 3306 : port);
  }
  out += user.empty() ? " as the default user" : " as " + user;
  return out;
}

// Describes where `m` actually went (the option file may have chosen).
std::string DescribeActual(MYSQL* m) {
  const char* user = nullptr;
  const char* host = nullptr;
  const char* socket = nullptr;
  unsigned int port = 0;
  unsigned int pvio = 0;
  mariadb_get_infov(m, MARIADB_CONNECTION_USER, &user);
  mariadb_get_infov(m, MARIADB_CONNECTION_HOST, &host);
  mariadb_get_infov(m, MARIADB_CONNECTION_UNIX_SOCKET, &socket);
  mariadb_get_infov(m, MARIADB_CONNECTION_PORT, &port);
  mariadb_get_infov(m, MARIADB_CONNECTION_PVIO_TYPE, &pvio);
  bool via_socket = pvio == PVIO_TYPE_UNIXSOCKET && socket != nullptr;
  return DescribeTarget(via_socket ? socket : "", via_socket ? "localhost" : (host ? host : ""), port,
                        user ? user : "");
}

bool IsIntegerType(enum_field_types t) {
  switch (t) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR: return true;
    default: return false;
  }
}

bool IsBinaryStringType(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_GEOMETRY: return true;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR: return f.charsetnr == kBinaryCharset;
    default: return false;
  }
}

// The cell type a column maps to (see Connection::Query).
Value::Type CellType(const MYSQL_FIELD& f) {
  if (IsIntegerType(f.type)) return Value::Type::kInt64;
  if (f.type == MYSQL_TYPE_FLOAT || f.type == MYSQL_TYPE_DOUBLE) return Value::Type::kDouble;
  if (IsBinaryStringType(f)) return Value::Type::kBytes;
  return Value::Type::kText;
}

Value IntegerCell(uint64_t raw, bool is_unsigned) {
  if (is_unsigned && raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Value::Text(std::to_string(raw));  // does not fit kInt64
  }
  return Value::Int(static_cast<int64_t>(raw));
}

// A text-protocol cell, typed by its column.
Value TextCell(const MYSQL_FIELD& f, const char* data, unsigned long len) {
  if (data == nullptr) return Value::Null();
  const char* end = data + len;
  switch (CellType(f)) {
    case Value::Type::kInt64: {
      if ((f.flags & UNSIGNED_FLAG) != 0) {
        uint64_t u = 0;
        auto r = std::from_chars(data, end, u);
        if (r.ec == std::errc() && r.ptr == end) return IntegerCell(u, true);
      } else {
        int64_t i = 0;
        auto r = std::from_chars(data, end, i);
        if (r.ec == std::errc() && r.ptr == end) return Value::Int(i);
      }
      return Value::Text(std::string(data, len));
    }
    case Value::Type::kDouble: {
      double d = 0;
      auto r = std::from_chars(data, end, d);
      if (r.ec == std::errc() && r.ptr == end) return Value::Double(d);
      return Value::Text(std::string(data, len));
    }
    case Value::Type::kBytes: return Value::Bytes(std::string(data, len));
    default: return Value::Text(std::string(data, len));
  }
}

struct StmtCloser {
  void operator()(MYSQL_STMT* s) const {
    if (s != nullptr) mysql_stmt_close(s);
  }
};
using StmtPtr = std::unique_ptr<MYSQL_STMT, StmtCloser>;

struct ResultFreer {
  void operator()(MYSQL_RES* r) const {
    if (r != nullptr) mysql_free_result(r);  // also skips unread rows
  }
};
using ResPtr = std::unique_ptr<MYSQL_RES, ResultFreer>;

// One bound result column of a prepared statement.
struct ColumnBuffer {
  Value::Type type = Value::Type::kText;
  bool is_unsigned = false;
  int64_t i64 = 0;
  double f64 = 0;
  std::string buf;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

// The bound result columns of one executed prepared statement, fetched row
// by row: a text or bytes cell that outgrows its buffer is fetched again
// whole and its column bound again. Borrows `stmt` and `fields` (owned by
// the caller's StmtPtr and result metadata), which outlive it; `sql` names
// the statement in errors. Not copyable.
class BoundResult {
 public:
  BoundResult(MYSQL_STMT* stmt, const MYSQL_FIELD* fields, unsigned int n, std::string_view sql)
      : stmt_(stmt), sql_(sql), cols_(n), binds_(n) {
    for (unsigned int i = 0; i < n; ++i) {
      cols_[i].type = CellType(fields[i]);
      cols_[i].is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
      if (cols_[i].type == Value::Type::kText || cols_[i].type == Value::Type::kBytes) {
        cols_[i].buf.resize(kInitialCellBuffer);
      }
      BindColumn(i);
    }
  }
  BoundResult(const BoundResult&) = delete;
  BoundResult& operator=(const BoundResult&) = delete;

  // Binds the columns to the statement (mysql_stmt_bind_result).
  Status Bind() {
    if (mysql_stmt_bind_result(stmt_, binds_.data()) != 0) return StmtError(stmt_, sql_);
    return Status::Ok();
  }

  // The next row into *row; false at the end. REQUIRES: Bind() passed and
  // row->size() is the column count.
  Result<bool> Fetch(Row* row) {
    int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) return false;
    if (rc == 1) return StmtError(stmt_, sql_);
    grown_ = false;
    for (unsigned int i = 0; i < cols_.size(); ++i) CHIMP_RETURN_IF_ERROR(ReadCell(i, &(*row)[i]));
    return true;
  }

  // Binds the columns again when the last Fetch grew a buffer.
  Status RebindIfGrown() { return grown_ ? Bind() : Status::Ok(); }

 private:
  void BindColumn(unsigned int i) {
    ColumnBuffer& c = cols_[i];
    MYSQL_BIND& b = binds_[i];
    std::memset(&b, 0, sizeof(b));
    b.is_null = &c.is_null;
    b.error = &c.error;
    b.length = &c.length;
    switch (c.type) {
      case Value::Type::kInt64:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &c.i64;
        b.is_unsigned = c.is_unsigned;
        break;
      case Value::Type::kDouble:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &c.f64;
        break;
      default:
        b.buffer_type = c.type == Value::Type::kBytes ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b.buffer = c.buf.data();
        b.buffer_length = static_cast<unsigned long>(c.buf.size());
        break;
    }
  }

  Status ReadCell(unsigned int i, Value* cell) {
    ColumnBuffer& c = cols_[i];
    if (c.is_null) {
      *cell = Value::Null();
      return Status::Ok();
    }
    switch (c.type) {
      case Value::Type::kInt64: *cell = IntegerCell(static_cast<uint64_t>(c.i64), c.is_unsigned); return Status::Ok();
      case Value::Type::kDouble: *cell = Value::Double(c.f64); return Status::Ok();
      default: break;
    }
    if (c.length > c.buf.size()) CHIMP_RETURN_IF_ERROR(FetchWhole(i));
    std::string text(c.buf.data(), c.length);
    *cell = c.type == Value::Type::kBytes ? Value::Bytes(std::move(text)) : Value::Text(std::move(text));
    return Status::Ok();
  }

  // Truncated: grow the buffer and fetch the whole cell again.
  Status FetchWhole(unsigned int i) {
    ColumnBuffer& c = cols_[i];
    c.buf.assign(c.length, '\0');
    MYSQL_BIND big;
    std::memset(&big, 0, sizeof(big));
    big.buffer_type = binds_[i].buffer_type;
    big.buffer = c.buf.data();
    big.buffer_length = static_cast<unsigned long>(c.buf.size());
    unsigned long got = 0;
    big.length = &got;
    if (mysql_stmt_fetch_column(stmt_, &big, i, 0) != 0) return StmtError(stmt_, sql_);
    BindColumn(i);
    grown_ = true;
    return Status::Ok();
  }

  MYSQL_STMT* stmt_;
  std::string_view sql_;
  std::vector<ColumnBuffer> cols_;
  std::vector<MYSQL_BIND> binds_;
  bool grown_ = false;
};

}  // namespace

std::string Value::ToString() const {
  switch (type) {
    case Type::kNull: return "";
    case Type::kInt64: return std::to_string(i64);
    case Type::kDouble: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), f64);
      return std::string(buf, r.ptr);
    }
    case Type::kText:
    case Type::kBytes: return text;
  }
  return "";
}

struct Connection::Impl {
  MYSQL* mysql = nullptr;
  std::string describe;      // never contains the password
  std::string session_vars;  // SetSessionVariables: set again by ResetSession
  ConnectionOptions options;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (mysql != nullptr) mysql_close(mysql);
  }

  using ColumnsFn = std::function<void(std::vector<std::string>)>;
  using RowFn = std::function<bool(const Row&)>;

  // Drains every result set left on the connection after a text-protocol
  // statement (the current one already consumed).
  Status DrainText(std::string_view sql, ExecInfo* info) {
    for (;;) {
      int rc = mysql_next_result(mysql);
      if (rc < 0) return Status::Ok();
      if (rc > 0) return ConnError(mysql, sql);
      ResPtr res(mysql_use_result(mysql));
      if (!res && mysql_field_count(mysql) != 0) return ConnError(mysql, sql);
      if (!res && info != nullptr) info->affected_rows = mysql_affected_rows(mysql);
    }
  }

  // Runs `sql`; with `first`, keeps its first result set there.
  Result<ExecInfo> ExecText(std::string_view sql, QueryResult* first = nullptr) {
    if (mysql_real_query(mysql, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
      return ConnError(mysql, sql);
    }
    ExecInfo info;
    {
      ResPtr res(mysql_use_result(mysql));
      if (!res && mysql_field_count(mysql) != 0) return ConnError(mysql, sql);
      if (!res) info.affected_rows = mysql_affected_rows(mysql);
      if (res && first != nullptr) {
        CHIMP_RETURN_IF_ERROR(ReadResult(
            sql, res.get(), [&](std::vector<std::string> names) { first->columns = std::move(names); },
            [&](const Row& row) {
              first->rows.push_back(row);
              return true;
            }));
      }
    }
    info.insert_id = mysql_insert_id(mysql);
    CHIMP_RETURN_IF_ERROR(DrainText(sql, &info));
    info.warning_count = mysql_warning_count(mysql);
    return info;
  }

  // The columns and rows of `res` to the callbacks (on_row false: stop).
  Status ReadResult(std::string_view sql, MYSQL_RES* res, const ColumnsFn& on_columns, const RowFn& on_row) {
    unsigned int n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    std::vector<std::string> names;
    names.reserve(n);
    for (unsigned int i = 0; i < n; ++i) names.emplace_back(fields[i].name, fields[i].name_length);
    if (on_columns) on_columns(std::move(names));
    Row row(n);
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      for (unsigned int i = 0; i < n; ++i) row[i] = TextCell(fields[i], r[i], lengths[i]);
      if (!on_row(row)) break;  // the result's destructor skips the rest
    }
    if (mysql_errno(mysql) != 0) return ConnError(mysql, sql);
    return Status::Ok();
  }

  Status QueryText(std::string_view sql, const ColumnsFn& on_columns, const RowFn& on_row) {
    if (mysql_real_query(mysql, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
      return ConnError(mysql, sql);
    }
    {
      ResPtr res(mysql_use_result(mysql));
      if (!res && mysql_field_count(mysql) != 0) return ConnError(mysql, sql);
      if (res) {
        CHIMP_RETURN_IF_ERROR(ReadResult(sql, res.get(), on_columns, on_row));
      } else if (on_columns) {
        on_columns({});
      }
    }
    return DrainText(sql, nullptr);
  }

  // Prepares `sql`, binds `params` and executes it.
  Result<StmtPtr> PrepareAndExecute(std::string_view sql, std::span<const Value> params) {
    StmtPtr stmt(mysql_stmt_init(mysql));
    if (!stmt) return ConnError(mysql, sql);
    if (mysql_stmt_prepare(stmt.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
      return StmtError(stmt.get(), sql);
    }
    unsigned long expected = mysql_stmt_param_count(stmt.get());
    if (expected != params.size()) {
      return Status::InvalidArgument("statement '" + ShortenStatement(sql) + "' has " + std::to_string(expected) +
                                     " '?' placeholders but " + std::to_string(params.size()) +
                                     " parameters were given");
    }
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      MYSQL_BIND& b = binds[i];
      std::memset(&b, 0, sizeof(b));
      // Connector/C only reads parameter buffers; the casts drop const for its C API.
      switch (v.type) {
        case Value::Type::kNull: b.buffer_type = MYSQL_TYPE_NULL; break;
        case Value::Type::kInt64:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = const_cast<int64_t*>(&v.i64);
          break;
        case Value::Type::kDouble:
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = const_cast<double*>(&v.f64);
          break;
        case Value::Type::kText:
        case Value::Type::kBytes:
          b.buffer_type = v.type == Value::Type::kText ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
          b.buffer = const_cast<char*>(v.text.data());
          lengths[i] = static_cast<unsigned long>(v.text.size());
          b.buffer_length = lengths[i];
          b.length = &lengths[i];
          break;
      }
    }
    if (!binds.empty() && mysql_stmt_bind_param(stmt.get(), binds.data()) != 0) {
      return StmtError(stmt.get(), sql);
    }
    if (mysql_stmt_execute(stmt.get()) != 0) return StmtError(stmt.get(), sql);
    return stmt;
  }

  // Skips the rest of the current result set and every following one.
  Status DrainStmt(MYSQL_STMT* stmt, std::string_view sql, ExecInfo* info) {
    for (;;) {
      if (mysql_stmt_field_count(stmt) > 0) {
        if (mysql_stmt_free_result(stmt) != 0) return StmtError(stmt, sql);
      } else if (info != nullptr) {
        info->affected_rows = mysql_stmt_affected_rows(stmt);
      }
      int rc = mysql_stmt_next_result(stmt);
      if (rc < 0) return Status::Ok();
      if (rc > 0) return StmtError(stmt, sql);
    }
  }

  Result<ExecInfo> ExecStmt(std::string_view sql, std::span<const Value> params) {
    CHIMP_ASSIGN_OR_RETURN(StmtPtr stmt, PrepareAndExecute(sql, params));
    ExecInfo info;
    info.insert_id = mysql_stmt_insert_id(stmt.get());
    CHIMP_RETURN_IF_ERROR(DrainStmt(stmt.get(), sql, &info));
    info.warning_count = mysql_warning_count(mysql);
    return info;
  }

  Status QueryStmt(std::string_view sql, std::span<const Value> params, const ColumnsFn& on_columns,
                   const RowFn& on_row) {
    CHIMP_ASSIGN_OR_RETURN(StmtPtr stmt, PrepareAndExecute(sql, params));
    MYSQL_STMT* s = stmt.get();
    unsigned int n = mysql_stmt_field_count(s);
    if (n == 0) {
      if (on_columns) on_columns({});
      return DrainStmt(s, sql, nullptr);
    }
    ResPtr meta(mysql_stmt_result_metadata(s));
    if (!meta) return StmtError(s, sql);
    MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
    std::vector<std::string> names;
    names.reserve(n);
    for (unsigned int i = 0; i < n; ++i) names.emplace_back(fields[i].name, fields[i].name_length);
    if (on_columns) on_columns(std::move(names));

    BoundResult result(s, fields, n, sql);
    CHIMP_RETURN_IF_ERROR(result.Bind());
    Row row(n);
    for (;;) {
      CHIMP_ASSIGN_OR_RETURN(bool fetched, result.Fetch(&row));
      if (!fetched || !on_row(row)) break;
      CHIMP_RETURN_IF_ERROR(result.RebindIfGrown());
    }
    return DrainStmt(s, sql, nullptr);
  }

  Status RunQuery(std::string_view sql, std::span<const Value> params, const ColumnsFn& on_columns,
                  const RowFn& on_row) {
    if (params.empty()) return QueryText(sql, on_columns, on_row);
    return QueryStmt(sql, params, on_columns, on_row);
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  LibraryInit();
  auto impl = std::make_unique<Impl>();
  impl->describe = DescribeTarget(options.socket, options.host, options.port, options.user);
  impl->options = options;
  impl->mysql = mysql_init(nullptr);
  if (impl->mysql == nullptr) {
    return Status::Internal("cannot connect to " + impl->describe + ": mysql_init failed");
  }
  MYSQL* m = impl->mysql;
  if (options.read_default_option_file) {
    // Reads the default option files, groups [client], [client-server],
    // [client-mariadb] and [chimp], when connecting.
    mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "chimp");
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  unsigned int timeout = options.connect_timeout_s;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  // Never reconnect behind the caller's back: a new session would silently
  // lose the migration lock, the transaction and session variables.
  my_bool reconnect = 0;
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &reconnect);
  unsigned int local_infile = 0;
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  if (!options.ssl_ca.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
  if (!options.ssl_cert.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CERT, options.ssl_cert.c_str());
  if (!options.ssl_key.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_KEY, options.ssl_key.c_str());
  if (options.ssl_verify_server_cert) {
    my_bool verify = 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }

  auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  const char* host = or_null(options.host);
  const char* socket = nullptr;
  if (!options.socket.empty()) {
    unsigned int protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    host = "localhost";
    socket = options.socket.c_str();
  }
  if (mysql_real_connect(m, host, or_null(options.user), or_null(options.password), or_null(options.database),
                         options.port, socket, CLIENT_MULTI_RESULTS) == nullptr) {
    return ConnError(m, "").WithContext("cannot connect to " + impl->describe);
  }
  // Again: an option file read while connecting may say `reconnect`.
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &reconnect);
  if (options.read_default_option_file) {
    // The option file may name another character set; chimp needs utf8mb4.
    if (mysql_set_character_set(m, "utf8mb4") != 0) {
      return ConnError(m, "SET NAMES utf8mb4").WithContext("connected to " + impl->describe);
    }
    impl->describe = DescribeActual(m);
  }
  if (mysql_autocommit(m, 1) != 0) {
    return ConnError(m, "SET autocommit=1").WithContext("connected to " + impl->describe);
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

const ConnectionOptions& Connection::Options() const { return impl_->options; }

Result<ExecInfo> Connection::Execute(std::string_view sql) { return impl_->ExecText(sql); }

Result<ExecInfo> Connection::Execute(std::string_view sql, QueryResult* first_result) {
  return impl_->ExecText(sql, first_result);
}

Result<ExecInfo> Connection::Execute(std::string_view sql, std::span<const Value> params) {
  if (params.empty()) return impl_->ExecText(sql);
  return impl_->ExecStmt(sql, params);
}

Result<QueryResult> Connection::Query(std::string_view sql, std::span<const Value> params) {
  QueryResult result;
  CHIMP_RETURN_IF_ERROR(impl_->RunQuery(
      sql, params, [&](std::vector<std::string> names) { result.columns = std::move(names); },
      [&](const Row& row) {
        result.rows.push_back(row);
        return true;
      }));
  return result;
}

Status Connection::QueryEach(std::string_view sql, std::span<const Value> params,
                             const std::function<bool(const Row&)>& fn) {
  return impl_->RunQuery(sql, params, nullptr, fn);
}

Result<std::optional<Value>> Connection::QueryScalar(std::string_view sql, std::span<const Value> params) {
  std::optional<Value> first;
  CHIMP_RETURN_IF_ERROR(impl_->RunQuery(sql, params, nullptr, [&](const Row& row) {
    if (!row.empty()) first = row[0];
    return false;
  }));
  return first;
}

Result<std::vector<std::string>> Connection::Warnings(size_t limit) {
  std::vector<std::string> out;
  if (limit == 0) return out;
  // SHOW WARNINGS does not clear the diagnostics area it reads.
  std::string sql = std::string(kInternalTag) + "SHOW WARNINGS LIMIT " + std::to_string(limit);
  CHIMP_RETURN_IF_ERROR(impl_->RunQuery(sql, {}, nullptr, [&](const Row& row) {
    std::string line;
    for (const Value& v : row) {
      if (!line.empty()) line += ' ';
      line += v.ToString();
    }
    out.push_back(std::move(line));
    return true;
  }));
  return out;
}

SessionFlags Connection::Flags() const {
  unsigned int status = 0;
  if (mariadb_get_infov(impl_->mysql, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return {};
  SessionFlags flags;
  flags.in_transaction = (status & SERVER_STATUS_IN_TRANS) != 0;
  flags.no_backslash_escapes = (status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0;
#ifdef SERVER_STATUS_ANSI_QUOTES
  flags.ansi_quotes = (status & SERVER_STATUS_ANSI_QUOTES) != 0;
#endif
  return flags;
}

Status Connection::ResetSession() {
  MYSQL* m = impl_->mysql;
  if (mysql_reset_connection(m) != 0) return ConnError(m, "COM_RESET_CONNECTION");
  // The reset leaves the client's character set (utf8mb4, from Open) as it
  // was; the server's goes back to its default. One statement puts both
  // back in step and turns autocommit on.
  std::string vars = impl_->session_vars.empty() ? "" : ", " + impl_->session_vars;
  return Execute(std::string(kInternalTag) + "SET NAMES utf8mb4, autocommit = 1" + vars).status();
}

Status Connection::SetSessionVariables(std::string assignments) {
  impl_->session_vars = std::move(assignments);
  if (impl_->session_vars.empty()) return Status::Ok();
  return Execute(std::string(kInternalTag) + "SET SESSION " + impl_->session_vars).status();
}

bool Connection::PeerClosed() const {
  my_socket fd = MARIADB_INVALID_SOCKET;
  if (mariadb_get_infov(impl_->mysql, MARIADB_CONNECTION_SOCKET, &fd) != 0 || fd == MARIADB_INVALID_SOCKET) return true;
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN;
  const int n = ::poll(&p, 1, 0);
  return n != 0;  // readable (EOF or an error packet), hung up, or poll failed
}

Status Connection::Begin() { return Execute(std::string(kInternalTag) + "START TRANSACTION").status(); }
Status Connection::Commit() { return Execute(std::string(kInternalTag) + "COMMIT").status(); }
Status Connection::Rollback() { return Execute(std::string(kInternalTag) + "ROLLBACK").status(); }

std::string Connection::QuoteString(std::string_view text) const {
  std::string out(text.size() * 2 + 3, '\0');
  out[0] = '\'';
  unsigned long n =
      mysql_real_escape_string(impl_->mysql, out.data() + 1, text.data(), static_cast<unsigned long>(text.size()));
  out.resize(n + 1);
  out.push_back('\'');
  return out;
}

std::string Connection::QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('`');
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

unsigned int Connection::LastErrorNumber() const { return mysql_errno(impl_->mysql); }

uint64_t Connection::ThreadId() const { return mysql_thread_id(impl_->mysql); }

std::string Connection::ServerVersion() const {
  const char* v = mysql_get_server_info(impl_->mysql);
  return v != nullptr ? v : "";
}

bool Connection::IsMariaDB() const { return ServerVersion().find("MariaDB") != std::string::npos; }

std::string Connection::Describe() const { return impl_->describe; }

}  // namespace chimp
