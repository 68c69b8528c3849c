// The C++ layer for migration plugin authors.
//
// This header is compiled into plugins; it is not part of the contract (that
// is plugin_abi.h, and a plugin built with any version of this header talks to
// the host only through it). It gives a plugin:
//
//   - a registration macro that generates chimp_plugin_entry, negotiates the
//     ABI, builds the descriptors once and keeps them for the library's life;
//   - lambdas as native and check steps, run through a trampoline that turns
//     every exception into the step's error;
//   - Context, a typed view of the host's services table.
//
// A plugin with two SQL steps and one native step:
//
//   #include <chimp/sdk/plugin.hpp>
//
//   CHIMP_PLUGIN("sample-app", "1.1.0", "Adds e-mail addresses") {
//     auto& e = plugin.Edge("1.0.0", "1.1.0", "users get an e-mail");
//     e.Sql("sample.1.1.0.add-email", "Add users.email",
//           "ALTER TABLE users ADD COLUMN email VARCHAR(255)", chimp::sdk::kDdl);
//     e.Sql("sample.1.1.0.index-email", "Index users.email",
//           "CREATE INDEX idx_users_email ON users(email)", chimp::sdk::kDdl);
//     e.Native("sample.1.1.0.backfill", "Backfill e-mails", "rev:1",
//              [](chimp::sdk::Context& ctx) {
//       for (auto& [id, name] : ctx.Rows<int64_t, std::string>(
//                "SELECT id, name FROM users WHERE email IS NULL"))
//         ctx.Execute("UPDATE users SET email = ? WHERE id = ?",
//                     name + "@example.com", id);
//     });
//   }
//
// Rules the layer enforces or relies on:
//  (1) The registration body runs once, the first time the host calls the
//      entry (thread-safe static initialisation). It must be cheap and pure:
//      no I/O, threads or database work. An exception thrown from it makes
//      the entry fail with the exception's text; the next call tries again.
//  (2) Step bodies run on the host's migration thread ([main-thread]). Any
//      exception they throw becomes the step's error; nothing crosses the C
//      boundary. A service failure throws chimp::sdk::Error; when it escapes
//      the step, the host reports the reason it recorded (e.g. the server's
//      error message).
//  (3) Everything handed to the host (ids, SQL, descriptors) is owned by the
//      registry built in (1) and lives until the library is unloaded, which a
//      chimp host never does.
//
// [thread-safe]: the entry. [main-thread]: everything on Context.
#ifndef CHIMP_SDK_PLUGIN_HPP_
#define CHIMP_SDK_PLUGIN_HPP_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "chimp/plugin_abi.h"

namespace chimp::sdk {

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

// Thrown by Context when a service fails, and by plugin code to fail a step
// with a message. status() is what the step returns to the host (never
// CHIMP_OK).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, chimp_status status = CHIMP_ERROR, bool reported_by_host = false)
      : std::runtime_error(message),
        status_(status == CHIMP_OK ? CHIMP_ERROR : status),
        reported_by_host_(reported_by_host) {}

  chimp_status status() const noexcept { return status_; }
  // True when a service failed and the host already recorded why. A step
  // that lets this escape returns status() without overwriting the host's
  // reason, which is more precise than what().
  bool reported_by_host() const noexcept { return reported_by_host_; }

 private:
  chimp_status status_;
  bool reported_by_host_;
};

// Thrown by Context::Progress when the operator cancelled the run.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled by the operator", CHIMP_CANCELLED, true) {}
};

// Thrown by a check function to fail the check with a reason (returning false
// fails it with a generic reason).
class CheckFailed : public Error {
 public:
  explicit CheckFailed(const std::string& reason) : Error(reason, CHIMP_CHECK_FAILED) {}
};

// ---------------------------------------------------------------------------
// Step options: flags, phase and optional metadata, combined with `|`:
//   e.Sql(id, desc, sql, chimp::sdk::kDdl | chimp::sdk::kCleanup);
//   e.Sql(id, desc, sql, chimp::sdk::kDdl | chimp::sdk::ProposedAt("2026-11-21"));
// ---------------------------------------------------------------------------

struct StepOptions {
  uint32_t flags = 0;                  // CHIMP_STEP_* flags
  int32_t phase = CHIMP_PHASE_EXPAND;  // CHIMP_PHASE_*
  const char* proposed_at = nullptr;   // ISO 8601 date, copied at once
  const char* source = nullptr;        // where the SQL came from, copied at once
  // ABI 1.1.
  int32_t dialect = -1;               // CHIMP_DIALECT_*; -1 = not given (client)
  const char* database = nullptr;     // default database; nullptr = the target
  const char* session_sql = nullptr;  // statements run before the step
};

// Later options win for phase, dialect and the strings; flags accumulate.
constexpr StepOptions operator|(StepOptions a, StepOptions b) {
  a.flags |= b.flags;
  if (b.phase != CHIMP_PHASE_EXPAND) a.phase = b.phase;
  if (b.proposed_at != nullptr) a.proposed_at = b.proposed_at;
  if (b.source != nullptr) a.source = b.source;
  if (b.dialect != -1) a.dialect = b.dialect;
  if (b.database != nullptr) a.database = b.database;
  if (b.session_sql != nullptr) a.session_sql = b.session_sql;
  return a;
}

// The step has DDL: the host runs it statement by statement, not in one
// transaction. Required for SQL that causes an implicit commit; the host
// refuses a SQL step whose DDL is not declared.
inline constexpr StepOptions kDdl{CHIMP_STEP_HAS_DDL};
// Re-running the step converges: the host may repeat it after a crash.
inline constexpr StepOptions kIdempotent{CHIMP_STEP_IDEMPOTENT};
// The step runs only in the cleanup phase (`migrate --phase cleanup`), once
// every application server runs the new code.
inline constexpr StepOptions kCleanup{0, CHIMP_PHASE_CLEANUP};
// When the author proposed the step, e.g. "2026-11-21".
constexpr StepOptions ProposedAt(const char* date) { return {0, CHIMP_PHASE_EXPAND, date}; }
// Where the SQL came from, for the host's messages, e.g. "sql/1.1.0/books.sql".
constexpr StepOptions Source(const char* where) { return {0, CHIMP_PHASE_EXPAND, nullptr, where}; }

// ABI 1.1 options (a plugin using them needs a host of ABI 1.1: the host of
// 1.0 ignores them, so set plugin.MinHostMinor(1) when they matter).

// SQL dialects for Dialect(): how the host cuts the script into statements.
inline constexpr int32_t kClient = CHIMP_DIALECT_CLIENT;               // the mariadb client
inline constexpr int32_t kScriptRunner = CHIMP_DIALECT_SCRIPT_RUNNER;  // CloudStack's ScriptRunner
// The step's SQL dialect, e.g. Dialect(kScriptRunner). Default: kClient.
constexpr StepOptions Dialect(int32_t dialect) {
  StepOptions o;
  o.dialect = dialect;
  return o;
}
// The default: split like the mariadb command-line client.
inline constexpr StepOptions kClientDialect = Dialect(CHIMP_DIALECT_CLIENT);
// The default database the step runs in, e.g. Database("cloud"); "" = none.
// Default: the target database (--database).
constexpr StepOptions Database(const char* name) {
  StepOptions o;
  o.database = name;
  return o;
}
// Statements run on the session before the step, after the plugin's
// SessionSql, e.g. SessionSql("SET SESSION sql_mode = 'ANSI_QUOTES'").
constexpr StepOptions SessionSql(const char* sql) {
  StepOptions o;
  o.session_sql = sql;
  return o;
}
// A warning or note from any statement fails the step. Default: warnings are
// recorded in the changelog and shown, not fatal.
inline constexpr StepOptions kWarningsFatal{CHIMP_STEP_WARNINGS_FATAL};
// Repeatables (Plugin::Repeatable) only: run before the path (e.g. stored
// procedures) or after it (e.g. views). Exactly one is required.
inline constexpr StepOptions kRunBefore{CHIMP_STEP_RUN_BEFORE};
inline constexpr StepOptions kRunAfter{CHIMP_STEP_RUN_AFTER};
// ABI 1.3. Check steps (EdgeDef::Check) only: a pre-flight check, run before
// the first write of every run whose path holds the edge, against the
// database as it is before the run (doc/plugins.md, "Pre-flight checks").
// A host of ABI 1.2 or older ignores it and runs the check in its edge.
inline constexpr StepOptions kPreflight{CHIMP_STEP_PREFLIGHT};
// ABI 1.4. SQL steps holding one ALTER TABLE statement (and the typed ALTER
// operations of Ops): the host runs the ALTER online, through
// pt-online-schema-change, so that writers of the table are not blocked
// while it copies (doc/plugins.md, "Online ALTER TABLE"). Requires kDdl on
// a plain Sql step. A host of ABI 1.3 or older ignores it and runs the
// ALTER blocking: set plugin.MinHostMinor(4) when that must not happen.
inline constexpr StepOptions kOnline{CHIMP_STEP_ONLINE};

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

// A binary `?` parameter (CHIMP_TYPE_BYTES). Does not own the memory, which
// must outlive the service call. std::vector<uint8_t>, std::vector<std::byte>
// and std::span<const std::byte> bind as bytes without this wrapper.
struct Bytes {
  const void* data = nullptr;
  size_t size = 0;
};

// A date-time `?` parameter or result column. The ABI has no date type, so a
// DateTime travels as text, 'YYYY-MM-DD hh:mm:ss' or with microseconds
// 'YYYY-MM-DD hh:mm:ss.ffffff', which the server converts to and from
// DATETIME, TIMESTAMP and DATE columns (a DATE reads as midnight). It binds
// as text (it converts to std::string_view) and reads from text only: an
// integer or double column is a type mismatch. The zero date
// '0000-00-00 00:00:00' is accepted, as the server returns it.
class DateTime {
 public:
  // Throws Error when a field is out of range (month 1-12, a day of that
  // month, hour 0-23, minute and second 0-59, microsecond 0-999999, year
  // 0-9999).
  DateTime(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int microsecond = 0)
      : year_(year),
        month_(month),
        day_(day),
        hour_(hour),
        minute_(minute),
        second_(second),
        microsecond_(microsecond) {
    const bool zero_date = year == 0 && month == 0 && day == 0;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool date_ok = zero_date || (year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
                                       day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0));
    if (!date_ok || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 ||
        microsecond < 0 || microsecond > 999999) {
      throw Error("not a valid date-time: " + std::to_string(year) + "-" + std::to_string(month) + "-" +
                      std::to_string(day) + " " + std::to_string(hour) + ":" + std::to_string(minute) + ":" +
                      std::to_string(second) + "." + std::to_string(microsecond),
                  CHIMP_BAD_ARGUMENT);
    }
    auto put = [this](int value, int digits) {
      for (int i = digits - 1; i >= 0; --i) {
        text_[size_ + i] = static_cast<char>('0' + value % 10);
        value /= 10;
      }
      size_ += digits;
    };
    auto sep = [this](char c) { text_[size_++] = c; };
    put(year, 4), sep('-'), put(month, 2), sep('-'), put(day, 2), sep(' ');
    put(hour, 2), sep(':'), put(minute, 2), sep(':'), put(second, 2);
    if (microsecond != 0) sep('.'), put(microsecond, 6);
    text_[size_] = '\0';
  }

  // Reads 'YYYY-MM-DD', 'YYYY-MM-DD hh:mm:ss' or 'YYYY-MM-DD hh:mm:ss.f'
  // (1 to 6 digits; 'T' may separate date and time). Throws Error otherwise.
  static DateTime Parse(std::string_view text) {
    auto bad = [&]() -> Error {
      return Error("'" + std::string(text) + "' is not a date-time (YYYY-MM-DD hh:mm:ss[.ffffff])", CHIMP_BAD_ARGUMENT);
    };
    auto num = [&](size_t at, size_t digits) {
      if (at + digits > text.size()) throw bad();
      int v = 0;
      for (size_t i = at; i < at + digits; ++i) {
        if (text[i] < '0' || text[i] > '9') throw bad();
        v = v * 10 + (text[i] - '0');
      }
      return v;
    };
    auto expect = [&](size_t at, char c) {
      if (at >= text.size() || text[at] != c) throw bad();
    };
    expect(4, '-'), expect(7, '-');
    const int y = num(0, 4), mo = num(5, 2), d = num(8, 2);
    if (text.size() == 10) return DateTime(y, mo, d);
    if (text.size() < 19 || (text[10] != ' ' && text[10] != 'T')) throw bad();
    expect(13, ':'), expect(16, ':');
    const int h = num(11, 2), mi = num(14, 2), s = num(17, 2);
    int us = 0;
    if (text.size() > 19) {
      expect(19, '.');
      const size_t digits = text.size() - 20;
      if (digits < 1 || digits > 6) throw bad();
      us = num(20, digits);
      for (size_t i = digits; i < 6; ++i) us *= 10;
    }
    return DateTime(y, mo, d, h, mi, s, us);
  }

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  int hour() const { return hour_; }
  int minute() const { return minute_; }
  int second() const { return second_; }
  int microsecond() const { return microsecond_; }

  // 'YYYY-MM-DD hh:mm:ss[.ffffff]'.
  std::string_view text() const { return std::string_view(text_, size_); }
  operator std::string_view() const { return text(); }  // NOLINT: binds as text
  bool operator==(const DateTime& o) const { return text() == o.text(); }

 private:
  int year_, month_, day_, hour_, minute_, second_, microsecond_;
  char text_[27] = {};
  int size_ = 0;
};

// Log levels for Context::Log.
enum class LogLevel : int32_t {
  kDebug = CHIMP_LOG_DEBUG,
  kInfo = CHIMP_LOG_INFO,
  kWarn = CHIMP_LOG_WARN,
  kError = CHIMP_LOG_ERROR,
};

// Implementation details; do not rely on anything below here until Row.
namespace internal {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
inline constexpr bool kIsByteVector =
    std::is_same_v<T, std::vector<uint8_t>> || std::is_same_v<T, std::vector<std::byte>>;

template <class T>
inline constexpr bool kAlwaysFalse = false;

inline chimp_value Blob(const void* data, size_t size) {
  chimp_value v{};
  v.type = CHIMP_TYPE_BYTES;
  v.data = static_cast<const char*>(data);
  v.size = size;
  return v;
}

// A C++ value as a `?` parameter. Text and bytes point into `v`, which must
// outlive the service call (arguments of the call expression do).
template <class T>
chimp_value ToValue(const T& v) {
  using D = std::remove_cvref_t<T>;
  chimp_value out{};
  out.type = CHIMP_TYPE_NULL;
  if constexpr (std::is_same_v<D, std::nullopt_t> || std::is_same_v<D, std::nullptr_t>) {
    return out;
  } else if constexpr (IsOptional<D>::value) {
    return v ? ToValue(*v) : out;
  } else if constexpr (std::is_same_v<D, Bytes>) {
    return Blob(v.data, v.size);
  } else if constexpr (kIsByteVector<D>) {
    return Blob(v.data(), v.size());
  } else if constexpr (std::is_same_v<D, std::span<const std::byte>>) {
    return Blob(v.data(), v.size());
  } else if constexpr (std::is_same_v<D, char>) {
    static_assert(kAlwaysFalse<D>, "pass a char as std::string(1, c) or as an int");
  } else if constexpr (std::is_integral_v<D>) {
    if constexpr (std::is_unsigned_v<D> && sizeof(D) >= sizeof(int64_t)) {
      if (v > static_cast<D>(INT64_MAX)) {
        throw Error("parameter " + std::to_string(v) + " does not fit in int64", CHIMP_BAD_ARGUMENT);
      }
    }
    out.type = CHIMP_TYPE_INT64;
    out.i64 = static_cast<int64_t>(v);
    return out;
  } else if constexpr (std::is_floating_point_v<D>) {
    out.type = CHIMP_TYPE_DOUBLE;
    out.f64 = static_cast<double>(v);
    return out;
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if constexpr (std::is_pointer_v<D>) {  // not for char arrays (literals)
      if (v == nullptr) return out;
    }
    std::string_view text = v;
    out.type = CHIMP_TYPE_TEXT;
    out.data = text.data();
    out.size = text.size();
    return out;
  } else {
    static_assert(kAlwaysFalse<D>,
                  "unsupported ? parameter type: use an integer, a floating point number, "
                  "a string, Bytes, std::optional<...> or std::nullopt");
  }
}

inline const char* TypeCodeName(int32_t type) {
  switch (type) {
    case CHIMP_TYPE_NULL: return "NULL";
    case CHIMP_TYPE_INT64: return "an integer";
    case CHIMP_TYPE_DOUBLE: return "a double";
    case CHIMP_TYPE_TEXT: return "text";
    case CHIMP_TYPE_BYTES: return "bytes";
  }
  return "an unknown type";
}

// A result cell that does not convert to the C++ type asked for. Context
// puts the statement in front of the message ("query 'SELECT ...': column 2:
// cannot read text as an integer ('abc')").
class ColumnError : public Error {
 public:
  ColumnError(const std::string& message, bool names_statement)
      : Error(message, CHIMP_BAD_ARGUMENT), names_statement_(names_statement) {}
  bool names_statement() const { return names_statement_; }

 private:
  bool names_statement_;
};

// Rethrows `error`; a ColumnError that does not name its statement yet is
// rethrown naming `sql`.
[[noreturn]] inline void RethrowNamingStatement(std::exception_ptr error, const char* sql) {
  try {
    std::rethrow_exception(error);
  } catch (const ColumnError& e) {
    if (e.names_statement()) throw;
    std::string text(sql != nullptr ? sql : "");
    for (char& c : text) c = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (text.size() > 120) text = text.substr(0, 120) + "...";
    throw ColumnError("query '" + text + "': " + e.what(), true);
  }
}

[[noreturn]] inline void BadColumn(uint32_t column, const chimp_value& v, const char* wanted,
                                   std::string_view detail = {}) {
  std::string msg = "column " + std::to_string(column + 1) + ": cannot read " + TypeCodeName(v.type) + " as " + wanted;
  if (!detail.empty()) {
    msg += " (";
    msg += detail;
    msg += ")";
  }
  throw ColumnError(msg, false);
}

// A result cell as a C++ value. Throws Error when it does not convert.
template <class T>
T FromValue(const chimp_value& v, uint32_t column) {
  if constexpr (IsOptional<T>::value) {
    if (v.type == CHIMP_TYPE_NULL) return std::nullopt;
    return FromValue<typename T::value_type>(v, column);
  } else {
    if (v.type == CHIMP_TYPE_NULL) BadColumn(column, v, "a value", "read it as std::optional");
    std::string_view text(v.data != nullptr ? v.data : "", v.data != nullptr ? v.size : 0);
    if constexpr (std::is_same_v<T, bool>) {
      return FromValue<int64_t>(v, column) != 0;
    } else if constexpr (std::is_integral_v<T>) {
      int64_t i = 0;
      if (v.type == CHIMP_TYPE_INT64) {
        i = v.i64;
      } else if (v.type == CHIMP_TYPE_TEXT) {  // e.g. DECIMAL, or text digits
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
        if (ec != std::errc() || end != text.data() + text.size()) {
          BadColumn(column, v, "an integer", "'" + std::string(text) + "'");
        }
      } else {
        BadColumn(column, v, "an integer");
      }
      if (!std::in_range<T>(i)) BadColumn(column, v, "this integer type", std::to_string(i) + " is out of range");
      return static_cast<T>(i);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (v.type == CHIMP_TYPE_DOUBLE) return static_cast<T>(v.f64);
      if (v.type == CHIMP_TYPE_INT64) return static_cast<T>(v.i64);
      if (v.type == CHIMP_TYPE_TEXT) {
        double d = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
        if (ec == std::errc() && end == text.data() + text.size()) return static_cast<T>(d);
      }
      BadColumn(column, v, "a double", v.type == CHIMP_TYPE_TEXT ? "'" + std::string(text) + "'" : "");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (v.type == CHIMP_TYPE_TEXT || v.type == CHIMP_TYPE_BYTES) return std::string(text);
      if (v.type == CHIMP_TYPE_INT64) return std::to_string(v.i64);
      if (v.type == CHIMP_TYPE_DOUBLE) {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.f64);  // shortest round-trip form
        return ec == std::errc() ? std::string(buf, end) : std::to_string(v.f64);
      }
      BadColumn(column, v, "a string");
    } else if constexpr (kIsByteVector<T>) {
      if (v.type != CHIMP_TYPE_TEXT && v.type != CHIMP_TYPE_BYTES) BadColumn(column, v, "bytes");
      const auto* p = reinterpret_cast<const typename T::value_type*>(text.data());
      return T(p, p + text.size());
    } else if constexpr (std::is_same_v<T, DateTime>) {
      if (v.type != CHIMP_TYPE_TEXT) BadColumn(column, v, "a date-time");
      try {
        return DateTime::Parse(text);
      } catch (const ColumnError&) {
        throw;
      } catch (const Error&) {
        BadColumn(column, v, "a date-time", "'" + std::string(text) + "'");
      }
    } else {
      static_assert(kAlwaysFalse<T>,
                    "unsupported column type: read an integer, bool, double, std::string, "
                    "std::vector<uint8_t>, std::vector<std::byte>, DateTime or std::optional<...>");
    }
  }
}

// The argument types of a callable (a non-generic lambda or a function).
template <class F>
struct CallableArgs : CallableArgs<decltype(&F::operator())> {};
template <class R, class... A>
struct CallableArgs<R (*)(A...)> {
  using Args = std::tuple<std::remove_cvref_t<A>...>;
};
template <class C, class R, class... A>
struct CallableArgs<R (C::*)(A...)> : CallableArgs<R (*)(A...)> {};
template <class C, class R, class... A>
struct CallableArgs<R (C::*)(A...) const> : CallableArgs<R (*)(A...)> {};

}  // namespace internal

// One result row, valid only inside the callback it is passed to.
class Row {
 public:
  Row(const chimp_value* values, uint32_t count) : values_(values), count_(count) {}

  uint32_t size() const { return count_; }
  // REQUIRES: column < size(); otherwise throws Error.
  const chimp_value& operator[](uint32_t column) const {
    if (column >= count_) {
      throw Error("column " + std::to_string(column + 1) + " requested; the query returned " + std::to_string(count_),
                  CHIMP_BAD_ARGUMENT);
    }
    return values_[column];
  }
  bool IsNull(uint32_t column) const { return (*this)[column].type == CHIMP_TYPE_NULL; }
  // The cell converted to T (see Context::Rows for the types). Throws Error
  // when it does not convert; NULL converts only to std::optional.
  template <class T>
  T Get(uint32_t column) const {
    return internal::FromValue<T>((*this)[column], column);
  }
  // The first size of T... columns as a tuple.
  template <class... T>
  std::tuple<T...> As() const {
    if constexpr (sizeof...(T) > 0) {
      if (count_ < sizeof...(T)) (void)(*this)[sizeof...(T) - 1];  // throws
    }
    return AsImpl<T...>(std::index_sequence_for<T...>());
  }

 private:
  template <class... T, size_t... I>
  std::tuple<T...> AsImpl(std::index_sequence<I...>) const {
    return std::tuple<T...>(Get<T>(static_cast<uint32_t>(I))...);
  }

  const chimp_value* values_;
  uint32_t count_;
};

// SQL text for a service call: a string literal, a std::string or a
// std::string_view (copied, since the host needs NUL-terminated text).
class SqlText {
 public:
  SqlText(const char* sql) : ptr_(sql) {}                           // NOLINT
  SqlText(const std::string& sql) : ptr_(sql.c_str()) {}            // NOLINT
  SqlText(std::string_view sql) : own_(sql), ptr_(own_.c_str()) {}  // NOLINT
  SqlText(const SqlText&) = delete;
  SqlText& operator=(const SqlText&) = delete;
  const char* c_str() const { return ptr_; }

 private:
  std::string own_;
  const char* ptr_;
};

// What a native or check step works with: the host's services for the
// current step. [main-thread]; valid only during the step. Every method
// throws Error when the service fails (the host records the reason, e.g. the
// server's message) and Cancelled when the operator cancelled.
//
// Parameters (`?` placeholders, bound in order): integers (up to int64),
// bool, float/double, std::string, std::string_view, const char* (nullptr is
// NULL), std::nullopt / nullptr (NULL), std::optional<T>, Bytes,
// std::vector<uint8_t>, std::vector<std::byte>, std::span<const std::byte>,
// DateTime (as text).
//
// Column types: integers (range-checked; DECIMAL text is parsed), bool,
// double, std::string (numbers are printed), std::vector<uint8_t>,
// std::vector<std::byte>, DateTime (DATETIME, TIMESTAMP and DATE columns),
// and std::optional<T> for nullable columns (NULL read as anything else
// throws). A cell that does not convert throws Error naming the statement
// and the column: "query 'SELECT id, label FROM t': column 2: cannot read
// text as an integer ('x')".
class Context {
 public:
  explicit Context(const chimp_step_ctx* ctx) : ctx_(ctx) {}

  std::string_view step_id() const { return ctx_->step_id != nullptr ? ctx_->step_id : ""; }
  // The edge being run; "" is the empty database.
  std::string_view from_version() const { return ctx_->from_version != nullptr ? ctx_->from_version : ""; }
  std::string_view to_version() const { return ctx_->to_version != nullptr ? ctx_->to_version : ""; }

  // Runs one statement; returns the number of affected rows.
  template <class... P>
  uint64_t Execute(const SqlText& sql, const P&... params) {
    const chimp_value values[] = {internal::ToValue(params)..., chimp_value{}};
    uint64_t affected = 0;
    Check(services()->execute(session(), sql.c_str(), values, sizeof...(P), &affected), "execute");
    return affected;
  }

  // The first column of the first row; nullopt when there is no row or the
  // value is NULL.
  template <class T, class... P>
  std::optional<T> Scalar(const SqlText& sql, const P&... params) {
    const chimp_value values[] = {internal::ToValue(params)..., chimp_value{}};
    chimp_value out{};
    Check(services()->query_scalar(session(), sql.c_str(), values, sizeof...(P), &out), "query_scalar");
    if (out.type == CHIMP_TYPE_NULL) return std::nullopt;
    try {
      return internal::FromValue<T>(out, 0);
    } catch (const internal::ColumnError&) {
      internal::RethrowNamingStatement(std::current_exception(), sql.c_str());
    }
  }

  // Every row, converted to tuples of T... (the first sizeof...(T) columns):
  //   for (auto& [id, title] : ctx.Rows<int64_t, std::string>("SELECT id, title FROM books"))
  // The whole result is held in memory; page with a key range for big tables.
  template <class... T, class... P>
  std::vector<std::tuple<T...>> Rows(const SqlText& sql, const P&... params) {
    std::vector<std::tuple<T...>> rows;
    ForEach(
        sql, [&rows](const Row& row) { rows.push_back(row.As<T...>()); }, params...);
    return rows;
  }

  // Calls `fn` once per row, in order. `fn` takes either `const Row&` or the
  // column values as typed parameters (a non-generic lambda:
  // `[&](int64_t id, std::string title) {...}`), and returns void, or bool
  // (false stops the query early). `fn` may call other methods of this
  // Context, e.g. Execute an UPDATE per row. An exception thrown by `fn`
  // stops the query and is rethrown from ForEach as itself.
  template <class Fn, class... P>
  void ForEach(const SqlText& sql, Fn&& fn, const P&... params) {
    const chimp_value values[] = {internal::ToValue(params)..., chimp_value{}};
    Sink<std::remove_reference_t<Fn>> sink{&fn, nullptr};
    chimp_status status = services()->query_rows(session(), sql.c_str(), values, sizeof...(P),
                                                 &Sink<std::remove_reference_t<Fn>>::OnRow, &sink);
    if (sink.error) internal::RethrowNamingStatement(sink.error, sql.c_str());
    Check(status, "query_rows");
  }

  // Writes a line to the operator's log.
  void Log(std::string_view message, LogLevel level = LogLevel::kInfo) {
    std::string text(message);
    services()->log(session(), static_cast<int32_t>(level), text.c_str());
  }

  // Reports progress (`done` of `total` units; total 0 = unknown). Throws
  // Cancelled when the operator asked to stop; call it regularly in long
  // loops.
  void Progress(uint64_t done, uint64_t total = 0) {
    chimp_status status = services()->progress(session(), done, total);
    if (status == CHIMP_CANCELLED) throw Cancelled();
    Check(status, "progress");
  }

  // The named extension table ("chimp.<name>/<rev>"), or nullptr.
  const void* Extension(const char* id) { return services()->get_extension(session(), id); }

  // The raw step context, for what this class does not wrap.
  const chimp_step_ctx* raw() const { return ctx_; }

 private:
  template <class Fn>
  struct Sink {
    Fn* fn;
    std::exception_ptr error;

    static chimp_status OnRow(void* user, uint32_t count, const chimp_value* columns) noexcept {
      auto* self = static_cast<Sink*>(user);
      try {
        Row row(columns, count);
        return self->Call(row) ? CHIMP_OK : CHIMP_STOP;
      } catch (...) {
        self->error = std::current_exception();
        return CHIMP_ERROR;
      }
    }

    bool Call(const Row& row) {
      if constexpr (std::is_invocable_v<Fn&, const Row&>) {
        return Finish([&] { return (*fn)(row); });
      } else {
        using Args = typename internal::CallableArgs<std::remove_cv_t<Fn>>::Args;
        return CallTyped(row, static_cast<Args*>(nullptr));
      }
    }

    template <class... A>
    bool CallTyped(const Row& row, std::tuple<A...>*) {
      return CallTypedImpl<A...>(row, std::index_sequence_for<A...>());
    }

    template <class... A, size_t... I>
    bool CallTypedImpl(const Row& row, std::index_sequence<I...>) {
      if constexpr (sizeof...(A) > 0) {
        if (row.size() < sizeof...(A)) (void)row[sizeof...(A) - 1];  // throws
      }
      return Finish([&] { return (*fn)(row.Get<A>(static_cast<uint32_t>(I))...); });
    }

    template <class Invoke>
    static bool Finish(Invoke&& invoke) {
      if constexpr (std::is_void_v<decltype(invoke())>) {
        invoke();
        return true;
      } else {
        return static_cast<bool>(invoke());
      }
    }
  };

  const chimp_services* services() const { return ctx_->services; }
  chimp_session* session() const { return ctx_->session; }

  static void Check(chimp_status status, const char* service) {
    if (status == CHIMP_OK) return;
    throw Error(std::string("service ") + service + " failed with status " + std::to_string(status), status,
                /*reported_by_host=*/true);
  }

  const chimp_step_ctx* ctx_;
};

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

class Plugin;

// One edge being declared. Steps run in the order they are added.
class EdgeDef {
 public:
  // A SQL script, split into statements like the mysql client splits it.
  EdgeDef& Sql(std::string id, std::string description, std::string sql, StepOptions options = {}) {
    Step& s = Add(CHIMP_STEP_SQL, std::move(id), std::move(description), options);
    s.sql = std::move(sql);
    return *this;
  }

  // C++ code run with the services table. `rev` is "rev:<n>"; bump n when the
  // code's effect changes, so that the host can tell an applied step changed.
  EdgeDef& Native(std::string id, std::string description, std::string rev, std::function<void(Context&)> fn,
                  StepOptions options = {}) {
    if (!fn) throw Error("native step '" + id + "' has no function");
    Step& s = Add(CHIMP_STEP_NATIVE, std::move(id), std::move(description), options);
    s.checksum = std::move(rev);
    s.native = std::move(fn);
    return *this;
  }

  // A check: `sql` is a query whose first column must be true (non-zero,
  // non-NULL) in every row, and it must return a row. Changes nothing.
  EdgeDef& Check(std::string id, std::string description, std::string sql, StepOptions options = {}) {
    Step& s = Add(CHIMP_STEP_CHECK, std::move(id), std::move(description), options);
    s.sql = std::move(sql);
    return *this;
  }

  // A check as a function: false (or a thrown CheckFailed with a reason)
  // fails it. `rev` as for Native.
  EdgeDef& Check(std::string id, std::string description, std::string rev, std::function<bool(Context&)> fn,
                 StepOptions options = {}) {
    if (!fn) throw Error("check step '" + id + "' has no function");
    Step& s = Add(CHIMP_STEP_CHECK, std::move(id), std::move(description), options);
    s.checksum = std::move(rev);
    s.check = std::move(fn);
    return *this;
  }

  // ABI 1.4: the fingerprints the schemas must have after this edge, as
  // `chimp fingerprint` prints them for the database at this edge's version
  // ("sha256:<hex>" of the target database, then "schema=sha256:<hex>" of
  // each other schema). After the edge, chimp compares them with the live
  // schemas and fails the run naming the differences when one differs. A
  // host of ABI <= 1.3 ignores the declaration. Calling it again replaces it.
  EdgeDef& Fingerprint(std::string fingerprints) {
    fingerprint_ = std::move(fingerprints);
    return *this;
  }

 private:
  friend class Plugin;

  struct Step {
    std::string id, description, sql, source, checksum, proposed_at;
    bool has_database = false;
    std::string database, session_sql;
    std::function<void(Context&)> native;
    std::function<bool(Context&)> check;
    chimp_step raw{};
  };

  EdgeDef(std::string from, std::string to, std::string description)
      : from_(std::move(from)), to_(std::move(to)), description_(std::move(description)) {}

  Step& Add(int32_t kind, std::string id, std::string description, const StepOptions& options) {
    auto step = std::make_unique<Step>();
    step->id = std::move(id);
    step->description = std::move(description);
    if (options.source != nullptr) step->source = options.source;
    if (options.proposed_at != nullptr) step->proposed_at = options.proposed_at;
    if (options.database != nullptr) {
      step->has_database = true;
      step->database = options.database;
    }
    if (options.session_sql != nullptr) step->session_sql = options.session_sql;
    step->raw.dialect = options.dialect == -1 ? CHIMP_DIALECT_CLIENT : options.dialect;
    step->raw.kind = kind;
    step->raw.phase = options.phase;
    step->raw.flags = options.flags;
    steps_.push_back(std::move(step));
    return *steps_.back();
  }

  static chimp_status RunNative(const chimp_step_ctx* ctx) noexcept;
  static chimp_status RunCheck(const chimp_step_ctx* ctx) noexcept;

  // Fills the steps' C descriptors; called once, after registration.
  void SealSteps() {
    for (auto& s : steps_) {
      chimp_step& r = s->raw;
      r.struct_size = sizeof(chimp_step);
      r.id = s->id.c_str();
      r.description = s->description.c_str();
      r.sql = s->native || s->check ? nullptr : s->sql.c_str();
      r.source = s->source.empty() ? nullptr : s->source.c_str();
      r.checksum = s->checksum.empty() ? nullptr : s->checksum.c_str();
      r.proposed_at = s->proposed_at.empty() ? nullptr : s->proposed_at.c_str();
      r.run = s->native ? &EdgeDef::RunNative : s->check ? &EdgeDef::RunCheck : nullptr;
      r.user = s.get();
      r.database = s->has_database ? s->database.c_str() : nullptr;
      r.session_sql = s->session_sql.empty() ? nullptr : s->session_sql.c_str();
      step_ptrs_.push_back(&r);
    }
  }

  // Fills the C descriptors; called once, after registration.
  const chimp_edge* Seal() {
    SealSteps();
    raw_.struct_size = sizeof(chimp_edge);
    raw_.step_count = static_cast<uint32_t>(step_ptrs_.size());
    raw_.from_version = from_.c_str();
    raw_.to_version = to_.c_str();
    raw_.description = description_.c_str();
    raw_.steps = step_ptrs_.data();
    raw_.target_fingerprint = fingerprint_.empty() ? nullptr : fingerprint_.c_str();
    return &raw_;
  }

  std::string from_, to_, description_, fingerprint_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<const chimp_step*> step_ptrs_;
  chimp_edge raw_{};
};

// What CHIMP_PLUGIN's body declares through `plugin`.
class Plugin {
 public:
  Plugin(std::string name, std::string version, std::string description)
      : name_(std::move(name)), version_(std::move(version)), description_(std::move(description)) {}
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  // Declares an upgrade path; "" as `from` is the empty database (the edge
  // that creates the base schema). The reference stays valid.
  EdgeDef& Edge(std::string from, std::string to, std::string description = "") {
    edges_.push_back(std::unique_ptr<EdgeDef>(new EdgeDef(std::move(from), std::move(to), std::move(description))));
    return *edges_.back();
  }

  // The lowest host ABI minor the plugin needs. Default: 0.
  void MinHostMinor(uint32_t minor) { min_host_minor_ = minor; }

  // ABI 1.1. Statements run on the session before every step of this plugin
  // (before the step's own SessionSql), e.g.
  //   plugin.SessionSql("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
  // Split like a client-dialect script; must not cause an implicit commit.
  void SessionSql(std::string sql) { session_sql_ = std::move(sql); }

  // ABI 1.1. A query whose first column gives the version of a database
  // managed by a legacy upgrader, for `chimp baseline`, e.g.
  //   plugin.LegacyVersionQuery("SELECT MAX(version) FROM cloud.version");
  void LegacyVersionQuery(std::string sql) { legacy_version_query_ = std::move(sql); }

  // ABI 1.2. Stored routines whose CALL may simply run again, because they
  // check before they change, e.g.
  //   plugin.RerunnableCalls("idempotent_* cloud.add_guest_os_and_hypervisor_mapping");
  // Blank- or comma-separated, case-insensitive, `*` = any characters. A
  // CALL of one of them costs no changelog write (doc/recovery.md); only
  // list routines that really converge when called twice.
  void RerunnableCalls(std::string patterns) { rerunnable_calls_ = std::move(patterns); }

  // ABI 1.1. A repeatable SQL step: runs again whenever its checksum changes,
  // before the path (options include kRunBefore) or after it (kRunAfter),
  // e.g. plugin.Repeatable("app.views.user", "user_view", sql,
  //                        sdk::kRunAfter | sdk::kDdl | sdk::Dialect(sdk::kScriptRunner));
  // Exactly one of kRunBefore / kRunAfter is required.
  void Repeatable(std::string id, std::string description, std::string sql, StepOptions options) {
    repeatables_.Sql(std::move(id), std::move(description), std::move(sql), options);
  }
  // A repeatable native step; `rev` as for EdgeDef::Native.
  void Repeatable(std::string id, std::string description, std::string rev, std::function<void(Context&)> fn,
                  StepOptions options) {
    repeatables_.Native(std::move(id), std::move(description), std::move(rev), std::move(fn), options);
  }

  // Implementation details; do not rely on anything below here.
  // Fills the C descriptors once registration is done and returns the
  // plugin's descriptor. Called once, by the entry.
  const chimp_plugin* Seal() {
    for (auto& e : edges_) edge_ptrs_.push_back(e->Seal());
    repeatables_.SealSteps();
    raw_.struct_size = sizeof(chimp_plugin);
    raw_.abi_major = CHIMP_ABI_MAJOR;
    raw_.abi_minor = CHIMP_ABI_MINOR;
    raw_.min_host_minor = min_host_minor_;
    raw_.name = name_.c_str();
    raw_.version = version_.c_str();
    raw_.description = description_.c_str();
    raw_.edge_count = static_cast<uint32_t>(edge_ptrs_.size());
    raw_.edges = edge_ptrs_.data();
    raw_.session_sql = session_sql_.empty() ? nullptr : session_sql_.c_str();
    raw_.repeatable_count = static_cast<uint32_t>(repeatables_.step_ptrs_.size());
    raw_.repeatables = repeatables_.step_ptrs_.empty() ? nullptr : repeatables_.step_ptrs_.data();
    raw_.legacy_version_query = legacy_version_query_.empty() ? nullptr : legacy_version_query_.c_str();
    raw_.rerunnable_calls = rerunnable_calls_.empty() ? nullptr : rerunnable_calls_.c_str();
    return &raw_;
  }

 private:
  std::string name_, version_, description_;
  std::string session_sql_, legacy_version_query_, rerunnable_calls_;
  EdgeDef repeatables_{"", "", "repeatables"};
  uint32_t min_host_minor_ = 0;
  std::vector<std::unique_ptr<EdgeDef>> edges_;
  std::vector<const chimp_edge*> edge_ptrs_;
  chimp_plugin raw_{};
};

// Implementation details; do not rely on anything below here.
namespace internal {

inline void SetStepError(const chimp_step_ctx* ctx, const char* message) noexcept {
  if (ctx->services != nullptr && ctx->services->set_error != nullptr) {
    ctx->services->set_error(ctx->session, message);
  }
}

// Turns the exception in flight into the step's status. Call only from a
// catch block.
inline chimp_status ReportCurrentException(const chimp_step_ctx* ctx) noexcept {
  try {
    try {
      throw;
    } catch (const Error& e) {
      if (!e.reported_by_host()) SetStepError(ctx, e.what());
      return e.status();
    } catch (const std::exception& e) {
      SetStepError(ctx, e.what());
      return CHIMP_ERROR;
    } catch (...) {
      SetStepError(ctx, "the step threw an exception that is not a std::exception");
      return CHIMP_ERROR;
    }
  } catch (...) {  // e.g. what() itself threw
    return CHIMP_ERROR;
  }
}

}  // namespace internal

inline chimp_status EdgeDef::RunNative(const chimp_step_ctx* ctx) noexcept {
  if (ctx == nullptr || ctx->user == nullptr || ctx->services == nullptr) return CHIMP_BAD_ARGUMENT;
  try {
    Context context(ctx);
    static_cast<Step*>(ctx->user)->native(context);
    return CHIMP_OK;
  } catch (...) {
    return internal::ReportCurrentException(ctx);
  }
}

inline chimp_status EdgeDef::RunCheck(const chimp_step_ctx* ctx) noexcept {
  if (ctx == nullptr || ctx->user == nullptr || ctx->services == nullptr) return CHIMP_BAD_ARGUMENT;
  try {
    Context context(ctx);
    if (static_cast<Step*>(ctx->user)->check(context)) return CHIMP_OK;
    internal::SetStepError(ctx, "the check's condition is false");
    return CHIMP_CHECK_FAILED;
  } catch (...) {
    return internal::ReportCurrentException(ctx);
  }
}

// The body of chimp_plugin_entry generated by CHIMP_PLUGIN: negotiates the
// ABI, runs `Declare` once and hands out the descriptor it built.
template <void (*Declare)(Plugin&)>
chimp_status EntryImpl(const chimp_host* host, const chimp_plugin** out, const char* name, const char* version,
                       const char* description) noexcept {
  if (host == nullptr || out == nullptr) return CHIMP_BAD_ARGUMENT;
  auto set_error = [host](const char* message) noexcept {
    if (CHIMP_HAS_FIELD(host, chimp_host, set_error) && host->set_error != nullptr) {
      host->set_error(host->error_ctx, message);
    }
  };
  try {
    if (host->abi_major != CHIMP_ABI_MAJOR) {
      std::string msg = std::string("plugin '") + name + "' was built for chimp ABI " +
                        std::to_string(CHIMP_ABI_MAJOR) + ".x; the host speaks ABI " + std::to_string(host->abi_major) +
                        "." + std::to_string(host->abi_minor);
      set_error(msg.c_str());
      return CHIMP_REFUSED;
    }
    // Built once, on first use, thread-safely; lives until the library is
    // unloaded. An exception leaves it unbuilt, and the next call retries.
    struct Built {
      std::unique_ptr<Plugin> plugin;
      const chimp_plugin* descriptor;
    };
    static const Built built = [&] {
      auto p = std::make_unique<Plugin>(name, version, description);
      Declare(*p);
      const chimp_plugin* descriptor = p->Seal();
      return Built{std::move(p), descriptor};
    }();
    *out = built.descriptor;
    return CHIMP_OK;
  } catch (const std::exception& e) {
    set_error(e.what());
    return CHIMP_ERROR;
  } catch (...) {
    set_error("the plugin's registration threw an exception that is not a std::exception");
    return CHIMP_ERROR;
  }
}

}  // namespace chimp::sdk

// Declares a migration plugin and generates its chimp_plugin_entry. The
// braces that follow are the registration body; it sees `plugin`
// (chimp::sdk::Plugin&). Use once per plugin library.
#define CHIMP_PLUGIN(name, version, description)                                                                   \
  static void ChimpPluginDeclare(::chimp::sdk::Plugin& plugin);                                                    \
  extern "C" CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host, const chimp_plugin** out) \
      CHIMP_NOEXCEPT {                                                                                             \
    return ::chimp::sdk::EntryImpl<&ChimpPluginDeclare>(host, out, name, version, description);                    \
  }                                                                                                                \
  static void ChimpPluginDeclare([[maybe_unused]] ::chimp::sdk::Plugin& plugin)

#include "chimp/sdk/operations.hpp"

#endif  // CHIMP_SDK_PLUGIN_HPP_
