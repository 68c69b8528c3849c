// Reading the engine's own tables (private to core): one row reader for
// chimp_changelog, chimp_state, chimp_repairs, chimp_backups (changelog/)
// and chimp_lock (lock/), and the reads that tolerate a table not created
// yet. tables.hpp names and creates the tables.
#ifndef CHIMP_CHANGELOG_ROW_READER_HPP_
#define CHIMP_CHANGELOG_ROW_READER_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "changelog/tables.hpp"
#include "chimp/connection.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

// How DATETIME(6) columns are selected: "YYYY-MM-DD hh:mm:ss.ffffff".
inline constexpr const char* kDateFormat = "'%Y-%m-%d %H:%i:%s.%f'";

// `v` as text; "" for NULL.
std::string TextOf(const Value& v);
// `v` as an integer; `fallback` for NULL, "" or text that is no number.
int64_t IntOf(const Value& v, int64_t fallback);

// Reads one row's columns in SELECT order. REQUIRES: `row` outlives the
// reader and has a column for every call.
class RowReader {
 public:
  explicit RowReader(const Row& row) : row_(row) {}
  std::string Text() { return TextOf(row_[next_++]); }
  int64_t Int(int64_t fallback = 0) { return IntOf(row_[next_++], fallback); }
  int32_t Int32(int32_t fallback = 0) { return static_cast<int32_t>(Int(fallback)); }

 private:
  const Row& row_;
  size_t next_ = 0;
};

// Runs `sql` and turns each row into a T with `read`, in order.
template <typename T>
Result<std::vector<T>> ReadRows(Connection& conn, const std::string& sql, std::span<const Value> params,
                                T (*read)(RowReader&)) {
  std::vector<T> out;
  CHIMP_RETURN_IF_ERROR(conn.QueryEach(sql, params, [&](const Row& row) {
    RowReader reader(row);
    out.push_back(read(reader));
    return true;
  }));
  return out;
}

// Whether `schema`.`table` exists.
Result<bool> TableExists(Connection& conn, const std::string& schema, const char* table);

// ReadRows, or no rows when `schema`.`table` does not exist (yet).
template <typename T>
Result<std::vector<T>> ReadRowsIfTable(Connection& conn, const std::string& schema, const char* table,
                                       const std::string& sql, std::span<const Value> params, T (*read)(RowReader&)) {
  CHIMP_ASSIGN_OR_RETURN(bool exists, TableExists(conn, schema, table));
  if (!exists) return std::vector<T>();
  return ReadRows(conn, sql, params, read);
}

}  // namespace chimp::internal

#endif  // CHIMP_CHANGELOG_ROW_READER_HPP_
