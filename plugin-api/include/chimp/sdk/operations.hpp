// Typed schema operations for migration plugins: create/drop table,
// add/drop/modify/rename column, add/drop index, add/drop foreign key,
// create-or-replace/drop view, insert rows, and a chunked update_rows.
//
// Part of the C++ layer (plugin.hpp includes this header at its end); not
// part of the contract. Every operation becomes an ordinary step of the edge
// it is declared on, so it shows up in `chimp plan -v` as the statements it
// will send, and the host loads, checksums and records it like any other.
//
//   #include <chimp/sdk/plugin.hpp>
//   namespace sdk = chimp::sdk;
//
//   CHIMP_PLUGIN("shop-1.2.0", "1.2.0", "Orders get a status") {
//     sdk::Ops(plugin.Edge("1.1.0", "1.2.0", "order status"))
//         .AddColumn("shop.1.2.0.status", "orders",
//                    sdk::Column("status", "VARCHAR(16)").NotNull().Default("new"))
//         .AddIndex("shop.1.2.0.status-idx", "orders", sdk::Index("idx_orders_status", {"status"}))
//         .UpdateRows("shop.1.2.0.backfill",
//                     sdk::RowUpdate("orders").Set("status = 'shipped'")
//                         .Where("shipped_at IS NOT NULL AND status = 'new'").ChunkSize(5000));
//   }
//
// How the DDL operations converge. MySQL 8 has no ADD COLUMN IF NOT EXISTS
// (MariaDB has), so each DDL operation is a SQL step of four statements that
// decides on the server, from information_schema, whether there is work:
//
//   SET @chimp_ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
//       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'
//       AND COLUMN_NAME = 'status') = 0,
//       'ALTER TABLE `orders` ADD COLUMN `status` VARCHAR(16) NOT NULL DEFAULT ''new''',
//       'DO 0');
//   PREPARE chimp_ddl FROM @chimp_ddl;
//   EXECUTE chimp_ddl;
//   DEALLOCATE PREPARE chimp_ddl;
//
// (each statement is one line in the generated text). The same text runs on
// MariaDB and on MySQL 8. The steps are declared HAS_DDL and IDEMPOTENT:
// running one again, e.g. after its changelog rows were deleted, does nothing
// the second time. Objects are looked up in the current database (the
// target, which the host selects before each step); names are not qualified
// with a schema.
//
// Quoting. Identifiers are quoted with backticks (a backtick inside is
// doubled); an empty name, a NUL or another control character, or a name
// longer than 64 bytes is refused when the plugin registers. String literals
// are quoted with single quotes (a quote inside is doubled); a text holding a
// backslash or a control character is written as _utf8mb4 X'<hex>' instead,
// so that the generated SQL means the same with and without
// NO_BACKSLASH_ESCAPES. Column types, expressions (`set`, `where`, view
// bodies, DefaultExpr) are SQL written by the author and are passed through
// as they are.
//
// Caveat: the four statements share the session variable and the prepared
// statement, so a step that failed at EXECUTE must be re-run from its first
// statement (the guard is re-evaluated, which is safe); see Ops below.
//
// Online (ABI 1.4). The ALTER operations (AddColumn, DropColumn,
// ModifyColumn, RenameColumn, AddIndex, DropIndex) take kOnline: the step is
// then the one statement ALTER TABLE `t` <change>, declared HAS_DDL and
// ONLINE (not IDEMPOTENT), which the host runs through
// pt-online-schema-change and decides on resume by probing the table
// (doc/plugins.md, "Online ALTER TABLE"). The other operations refuse it.
//
// Registration errors (a bad name, an empty column list) throw Error from
// the registration body, which makes the entry fail with that text.
#ifndef CHIMP_SDK_OPERATIONS_HPP_
#define CHIMP_SDK_OPERATIONS_HPP_

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "chimp/sdk/plugin.hpp"

namespace chimp::sdk {

// ---------------------------------------------------------------------------
// SQL text
// ---------------------------------------------------------------------------

// `name` quoted as an identifier: `it``s`. Throws Error for an empty name, a
// name longer than 64 bytes, or one holding a control character.
inline std::string QuoteIdentifier(std::string_view name) {
  if (name.empty()) throw Error("an identifier is empty", CHIMP_BAD_ARGUMENT);
  if (name.size() > 64) {
    throw Error("identifier '" + std::string(name) + "' is longer than 64 bytes", CHIMP_BAD_ARGUMENT);
  }
  std::string out = "`";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      throw Error("identifier '" + std::string(name) + "' holds a control character", CHIMP_BAD_ARGUMENT);
    }
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

// `text` as a string literal: 'it''s', or _utf8mb4 X'...' when it holds a
// backslash or a control character (see the header comment).
inline std::string QuoteString(std::string_view text) {
  bool plain = true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' || u < 0x20 || u == 0x7f) plain = false;
  }
  std::string out;
  if (plain) {
    out.reserve(text.size() + 2);
    out += '\'';
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
    out += '\'';
    return out;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  out = "_utf8mb4 X'";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += kHex[u >> 4];
    out += kHex[u & 0xF];
  }
  out += '\'';
  return out;
}

// A typed value written into generated SQL as a literal (InsertRows,
// Column::Default). Converts implicitly from integers, bool, floating point
// numbers (finite only), strings, Bytes, DateTime, nullptr / std::nullopt
// and std::optional<T>; SqlValue::Expr wraps an SQL expression written by the
// author (e.g. "CURRENT_TIMESTAMP"), passed through unquoted.
class SqlValue {
 public:
  SqlValue(std::nullptr_t) : sql_("NULL") {}        // NOLINT
  SqlValue(std::nullopt_t) : sql_("NULL") {}        // NOLINT
  SqlValue(bool b) : sql_(b ? "TRUE" : "FALSE") {}  // NOLINT
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>) SqlValue(T i)
      : sql_(std::to_string(i)) {}  // NOLINT
  template <class T>
  requires std::is_floating_point_v<T> SqlValue(T d) {  // NOLINT
    if (!std::isfinite(d)) throw Error("a SQL literal cannot be NaN or infinite", CHIMP_BAD_ARGUMENT);
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<double>(d));
    sql_ = ec == std::errc() ? std::string(buf, end) : std::to_string(d);
    // "1" would be an integer literal; "1e+300" is a float literal already.
    if (sql_.find_first_of(".e") == std::string::npos) sql_ += "e0";
  }
  SqlValue(const char* text) : sql_(text == nullptr ? "NULL" : QuoteString(text)) {}  // NOLINT
  SqlValue(const std::string& text) : sql_(QuoteString(text)) {}                      // NOLINT
  SqlValue(std::string_view text) : sql_(QuoteString(text)) {}                        // NOLINT
  SqlValue(const DateTime& t) : sql_(QuoteString(std::string_view(t))) {}             // NOLINT
  SqlValue(const Bytes& b) : sql_(HexLiteral(b.data, b.size)) {}                      // NOLINT
  template <class T>
  SqlValue(const std::optional<T>& v) : sql_(v ? SqlValue(*v).sql_ : "NULL") {}  // NOLINT

  // An SQL expression, not quoted: SqlValue::Expr("CURRENT_TIMESTAMP").
  static SqlValue Expr(std::string sql) {
    SqlValue v(nullptr);
    v.sql_ = std::move(sql);
    return v;
  }

  // The literal (or expression) as it appears in SQL.
  const std::string& sql() const { return sql_; }

 private:
  static std::string HexLiteral(const void* data, size_t size) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "X'";
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      out += kHex[p[i] >> 4];
      out += kHex[p[i] & 0xF];
    }
    out += '\'';
    return out;
  }

  std::string sql_;
};

// ---------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------

// A column definition: Column("email", "VARCHAR(255)").NotNull().Default("").
// `type` is SQL as written (e.g. "BIGINT UNSIGNED", "VARCHAR(64) CHARACTER
// SET ascii").
class Column {
 public:
  Column(std::string name, std::string type) : name_(std::move(name)), type_(std::move(type)) {}

  Column& NotNull() {
    null_ = "NOT NULL";
    return *this;
  }
  Column& Null() {
    null_ = "NULL";
    return *this;
  }
  Column& Default(const SqlValue& value) {
    default_ = value.sql();
    return *this;
  }
  // An expression default, e.g. "CURRENT_TIMESTAMP"; written as it is.
  Column& DefaultExpr(std::string expr) {
    default_ = std::move(expr);
    return *this;
  }
  Column& AutoIncrement() {
    auto_increment_ = true;
    return *this;
  }
  Column& PrimaryKey() {
    primary_key_ = true;
    return *this;
  }
  Column& Comment(std::string text) {
    comment_ = std::move(text);
    return *this;
  }
  // Position for AddColumn (ignored elsewhere).
  Column& After(std::string column) {
    position_ = "AFTER " + QuoteIdentifier(column);
    return *this;
  }
  Column& First() {
    position_ = "FIRST";
    return *this;
  }

  const std::string& name() const { return name_; }
  // `name` TYPE [NOT NULL|NULL] [DEFAULT x] [AUTO_INCREMENT] [PRIMARY KEY] [COMMENT '...']
  std::string Definition() const {
    if (type_.empty()) throw Error("column '" + name_ + "' has no type", CHIMP_BAD_ARGUMENT);
    std::string out = QuoteIdentifier(name_) + " " + type_;
    if (!null_.empty()) out += " " + null_;
    if (!default_.empty()) out += " DEFAULT " + default_;
    if (auto_increment_) out += " AUTO_INCREMENT";
    if (primary_key_) out += " PRIMARY KEY";
    if (!comment_.empty()) out += " COMMENT " + QuoteString(comment_);
    return out;
  }
  const std::string& position() const { return position_; }

 private:
  std::string name_, type_, null_, default_, comment_, position_;
  bool auto_increment_ = false;
  bool primary_key_ = false;
};

// An index: Index("idx_users_email", {"email"}).Unique().
class Index {
 public:
  Index(std::string name, std::vector<std::string> columns) : name_(std::move(name)), columns_(std::move(columns)) {}
  Index& Unique() {
    unique_ = true;
    return *this;
  }

  const std::string& name() const { return name_; }
  // [UNIQUE ]INDEX `name` (`a`, `b`)
  std::string Definition() const {
    return std::string(unique_ ? "UNIQUE " : "") + "INDEX " + QuoteIdentifier(name_) + " " +
           ColumnList(columns_, "index '" + name_ + "'");
  }

  // "(`a`, `b`)". Throws Error naming `what` when `columns` is empty.
  static std::string ColumnList(const std::vector<std::string>& columns, const std::string& what) {
    if (columns.empty()) throw Error(what + " has no columns", CHIMP_BAD_ARGUMENT);
    std::string out = "(";
    for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + QuoteIdentifier(columns[i]);
    return out + ")";
  }

 private:
  std::string name_;
  std::vector<std::string> columns_;
  bool unique_ = false;
};

// What a foreign key does when the referenced row is deleted or updated.
enum class ReferenceAction { kDefault, kRestrict, kCascade, kSetNull, kNoAction };

// A foreign key: ForeignKey("fk_orders_user", {"user_id"}, "users", {"id"})
//                    .OnDelete(ReferenceAction::kCascade).
class ForeignKey {
 public:
  ForeignKey(std::string name, std::vector<std::string> columns, std::string ref_table,
             std::vector<std::string> ref_columns)
      : name_(std::move(name)),
        columns_(std::move(columns)),
        ref_table_(std::move(ref_table)),
        ref_columns_(std::move(ref_columns)) {}
  ForeignKey& OnDelete(ReferenceAction a) {
    on_delete_ = a;
    return *this;
  }
  ForeignKey& OnUpdate(ReferenceAction a) {
    on_update_ = a;
    return *this;
  }

  const std::string& name() const { return name_; }
  // CONSTRAINT `name` FOREIGN KEY (`a`) REFERENCES `t` (`id`) [ON DELETE ...] [ON UPDATE ...]
  std::string Definition() const {
    const std::string what = "foreign key '" + name_ + "'";
    if (columns_.size() != ref_columns_.size()) {
      throw Error(what + " has " + std::to_string(columns_.size()) + " columns but references " +
                      std::to_string(ref_columns_.size()),
                  CHIMP_BAD_ARGUMENT);
    }
    std::string out = "CONSTRAINT " + QuoteIdentifier(name_) + " FOREIGN KEY " + Index::ColumnList(columns_, what) +
                      " REFERENCES " + QuoteIdentifier(ref_table_) + " " + Index::ColumnList(ref_columns_, what);
    if (on_delete_ != ReferenceAction::kDefault) out += std::string(" ON DELETE ") + ActionSql(on_delete_);
    if (on_update_ != ReferenceAction::kDefault) out += std::string(" ON UPDATE ") + ActionSql(on_update_);
    return out;
  }

 private:
  static const char* ActionSql(ReferenceAction a) {
    switch (a) {
      case ReferenceAction::kRestrict: return "RESTRICT";
      case ReferenceAction::kCascade: return "CASCADE";
      case ReferenceAction::kSetNull: return "SET NULL";
      case ReferenceAction::kNoAction: return "NO ACTION";
      case ReferenceAction::kDefault: break;
    }
    return "";
  }

  std::string name_;
  std::vector<std::string> columns_;
  std::string ref_table_;
  std::vector<std::string> ref_columns_;
  ReferenceAction on_delete_ = ReferenceAction::kDefault;
  ReferenceAction on_update_ = ReferenceAction::kDefault;
};

// A table for CreateTable:
//   Table("users").Add(Column("id", "BIGINT").NotNull().AutoIncrement())
//                 .Add(Column("email", "VARCHAR(255)"))
//                 .PrimaryKey({"id"}).Add(Index("idx_email", {"email"}).Unique())
//                 .Options("ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
class Table {
 public:
  explicit Table(std::string name) : name_(std::move(name)) {}
  Table& Add(const Column& c) {
    parts_.push_back(c.Definition());
    return *this;
  }
  Table& Add(const Index& i) {
    parts_.push_back(i.Definition());
    return *this;
  }
  Table& Add(const ForeignKey& f) {
    parts_.push_back(f.Definition());
    return *this;
  }
  Table& PrimaryKey(const std::vector<std::string>& columns) {
    parts_.push_back("PRIMARY KEY " + Index::ColumnList(columns, "the primary key of '" + name_ + "'"));
    return *this;
  }
  // Table options as SQL, e.g. "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4".
  Table& Options(std::string options) {
    options_ = std::move(options);
    return *this;
  }

  const std::string& name() const { return name_; }
  // CREATE TABLE `name` (...) options
  std::string CreateStatement() const {
    if (parts_.empty()) throw Error("table '" + name_ + "' has no columns", CHIMP_BAD_ARGUMENT);
    std::string out = "CREATE TABLE " + QuoteIdentifier(name_) + " (";
    for (size_t i = 0; i < parts_.size(); ++i) out += (i ? ", " : "") + parts_[i];
    out += ")";
    if (!options_.empty()) out += " " + options_;
    return out;
  }

 private:
  std::string name_;
  std::vector<std::string> parts_;
  std::string options_;
};

// ---------------------------------------------------------------------------
// Generated SQL. Each function returns the whole script of one step; they
// are what Ops declares, public so that tests and authors can read them.
// ---------------------------------------------------------------------------

// The guarded form: runs `statement` when `condition` (a SQL expression) is
// true, else DO 0, through a prepared statement (the header comment).
inline std::string GuardedSql(std::string_view condition, std::string_view statement) {
  return "SET @chimp_ddl = IF(" + std::string(condition) + ", " + QuoteString(statement) +
         ", 'DO 0');\n"
         "PREPARE chimp_ddl FROM @chimp_ddl;\n"
         "EXECUTE chimp_ddl;\n"
         "DEALLOCATE PREPARE chimp_ddl;\n";
}

// Implementation details; do not rely on anything below here until the next
// section.
namespace internal {

// "(SELECT COUNT(*) FROM information_schema.<view> WHERE <schema_column> =
// DATABASE() AND <col> = '<value>' ...)"
inline std::string CountIn(std::string_view view, std::string_view schema_column,
                           std::initializer_list<std::pair<std::string_view, std::string_view>> where) {
  std::string out = "(SELECT COUNT(*) FROM information_schema." + std::string(view) + " WHERE " +
                    std::string(schema_column) + " = DATABASE()";
  for (const auto& [column, value] : where) {
    out += " AND " + std::string(column) + " = ";
    out += QuoteString(value);
  }
  return out + ")";
}

inline std::string TableCount(std::string_view table) {
  return CountIn("TABLES", "TABLE_SCHEMA", {{"TABLE_NAME", table}});
}
inline std::string ColumnCount(std::string_view table, std::string_view column) {
  return CountIn("COLUMNS", "TABLE_SCHEMA", {{"TABLE_NAME", table}, {"COLUMN_NAME", column}});
}
inline std::string IndexCount(std::string_view table, std::string_view index) {
  return CountIn("STATISTICS", "TABLE_SCHEMA", {{"TABLE_NAME", table}, {"INDEX_NAME", index}});
}
inline std::string ForeignKeyCount(std::string_view table, std::string_view name) {
  return CountIn("TABLE_CONSTRAINTS", "CONSTRAINT_SCHEMA",
                 {{"TABLE_NAME", table}, {"CONSTRAINT_NAME", name}, {"CONSTRAINT_TYPE", "FOREIGN KEY"}});
}

inline std::string Clip(std::string_view sql, size_t max = 80) {
  std::string out(sql.substr(0, max));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return sql.size() > max ? out + "..." : out;
}

}  // namespace internal

inline std::string CreateTableSql(const Table& table) {
  (void)QuoteIdentifier(table.name());
  return GuardedSql(internal::TableCount(table.name()) + " = 0", table.CreateStatement());
}

inline std::string DropTableSql(std::string_view table) {
  return GuardedSql(
      internal::CountIn("TABLES", "TABLE_SCHEMA", {{"TABLE_NAME", table}, {"TABLE_TYPE", "BASE TABLE"}}) + " > 0",
      "DROP TABLE " + QuoteIdentifier(table));
}

inline std::string AddColumnSql(std::string_view table, const Column& column) {
  std::string ddl = "ALTER TABLE " + QuoteIdentifier(table) + " ADD COLUMN " + column.Definition();
  if (!column.position().empty()) ddl += " " + column.position();
  return GuardedSql(internal::ColumnCount(table, column.name()) + " = 0", ddl);
}

inline std::string DropColumnSql(std::string_view table, std::string_view column) {
  return GuardedSql(internal::ColumnCount(table, column) + " > 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " DROP COLUMN " + QuoteIdentifier(column));
}

// Runs MODIFY COLUMN when the column exists (MODIFY to the same definition
// converges by itself; comparing definitions through information_schema is
// not reliable across servers).
inline std::string ModifyColumnSql(std::string_view table, const Column& column) {
  std::string ddl = "ALTER TABLE " + QuoteIdentifier(table) + " MODIFY COLUMN " + column.Definition();
  if (!column.position().empty()) ddl += " " + column.position();
  return GuardedSql(internal::ColumnCount(table, column.name()) + " > 0", ddl);
}

// RENAME COLUMN (MySQL 8.0, MariaDB 10.5.2) when `from` exists and `to` does
// not.
inline std::string RenameColumnSql(std::string_view table, std::string_view from, std::string_view to) {
  return GuardedSql(internal::ColumnCount(table, from) + " > 0 AND " + internal::ColumnCount(table, to) + " = 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " RENAME COLUMN " + QuoteIdentifier(from) + " TO " +
                        QuoteIdentifier(to));
}

inline std::string AddIndexSql(std::string_view table, const Index& index) {
  return GuardedSql(internal::IndexCount(table, index.name()) + " = 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " ADD " + index.Definition());
}

inline std::string DropIndexSql(std::string_view table, std::string_view index) {
  return GuardedSql(internal::IndexCount(table, index) + " > 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " DROP INDEX " + QuoteIdentifier(index));
}

inline std::string AddForeignKeySql(std::string_view table, const ForeignKey& fk) {
  return GuardedSql(internal::ForeignKeyCount(table, fk.name()) + " = 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " ADD " + fk.Definition());
}

// Drops the constraint; the index the server created for it stays (drop it
// with DropIndex when it is not wanted).
inline std::string DropForeignKeySql(std::string_view table, std::string_view name) {
  return GuardedSql(internal::ForeignKeyCount(table, name) + " > 0",
                    "ALTER TABLE " + QuoteIdentifier(table) + " DROP FOREIGN KEY " + QuoteIdentifier(name));
}

// CREATE OR REPLACE VIEW converges by itself on both servers: one statement.
inline std::string CreateOrReplaceViewSql(std::string_view view, std::string_view select) {
  std::string body(select);
  while (!body.empty() && (body.back() == ';' || body.back() == ' ' || body.back() == '\n')) body.pop_back();
  if (body.empty()) throw Error("view '" + std::string(view) + "' has no SELECT", CHIMP_BAD_ARGUMENT);
  return "CREATE OR REPLACE VIEW " + QuoteIdentifier(view) + " AS " + body + ";\n";
}

inline std::string DropViewSql(std::string_view view) { return "DROP VIEW IF EXISTS " + QuoteIdentifier(view) + ";\n"; }

// One statement per row: INSERT INTO `t` (`a`, `b`) SELECT 1, 'x' FROM DUAL
// WHERE NOT EXISTS (SELECT 1 FROM `t` WHERE `a` <=> 1), so that a row whose
// key columns already hold those values is not inserted again. `key` names
// the columns compared; empty = the first column.
inline std::string InsertRowsSql(std::string_view table, const std::vector<std::string>& columns,
                                 const std::vector<std::vector<SqlValue>>& rows,
                                 const std::vector<std::string>& key = {}) {
  const std::string what = "insert into '" + std::string(table) + "'";
  const std::string column_list = Index::ColumnList(columns, what);
  const std::vector<std::string> keys = key.empty() ? std::vector<std::string>{columns[0]} : key;
  std::vector<size_t> key_index;
  for (const std::string& k : keys) {
    size_t i = 0;
    while (i < columns.size() && columns[i] != k) ++i;
    if (i == columns.size()) throw Error(what + ": key column '" + k + "' is not inserted", CHIMP_BAD_ARGUMENT);
    key_index.push_back(i);
  }
  if (rows.empty()) throw Error(what + " has no rows", CHIMP_BAD_ARGUMENT);
  const std::string quoted_table = QuoteIdentifier(table);
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != columns.size()) {
      throw Error(what + ": row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) + " values for " +
                      std::to_string(columns.size()) + " columns",
                  CHIMP_BAD_ARGUMENT);
    }
    out += "INSERT INTO " + quoted_table + " " + column_list + " SELECT ";
    for (size_t i = 0; i < row.size(); ++i) out += (i ? ", " : "") + row[i].sql();
    out += " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM " + quoted_table + " WHERE ";
    for (size_t i = 0; i < key_index.size(); ++i) {
      out += (i ? " AND " : "") + QuoteIdentifier(columns[key_index[i]]) + " <=> " + row[key_index[i]].sql();
    }
    out += ");\n";
  }
  return out;
}

// ---------------------------------------------------------------------------
// update_rows
// ---------------------------------------------------------------------------

// What UpdateRows does: UPDATE `table` SET <set> WHERE <where>, one key range
// of chunk_size rows at a time:
//   RowUpdate("users").Set("email = LOWER(email)").Where("email <> LOWER(email)")
//                     .Key("id").ChunkSize(5000)
struct RowUpdate {
  explicit RowUpdate(std::string table_name) : table(std::move(table_name)) {}
  // REQUIRES: not empty. SQL, e.g. "email = LOWER(email)".
  RowUpdate& Set(std::string sql) {
    set = std::move(sql);
    return *this;
  }
  // SQL; should exclude the rows already done, so that a re-run converges.
  // Default: none (every row).
  RowUpdate& Where(std::string sql) {
    where = std::move(sql);
    return *this;
  }
  // A unique, non-NULL, indexed column: the primary key. Default: "id".
  RowUpdate& Key(std::string column) {
    key = std::move(column);
    return *this;
  }
  // Rows of the table per UPDATE. REQUIRES: > 0. Default: 1000.
  RowUpdate& ChunkSize(uint64_t rows) {
    chunk_size = rows;
    return *this;
  }

  std::string table;
  std::string set;
  std::string where;
  std::string key = "id";
  uint64_t chunk_size = 1000;
};

// Runs `update` on `ctx`, chunk by chunk, each chunk an UPDATE of its own
// (committed at once when the step runs outside a transaction, as
// Ops::UpdateRows declares it). Walks the key in order: the next chunk is the
// `chunk_size` keys after the last one done, found through the key's index,
// so a chunk locks at most `chunk_size` rows however sparse the keys are.
// After each chunk calls ctx.Progress(rows walked, rows counted at the start)
// -- which throws Cancelled when the operator cancels; the chunks done stay
// done. Returns the number of rows the UPDATEs changed.
inline uint64_t RunRowUpdate(Context& ctx, const RowUpdate& update) {
  if (update.chunk_size == 0) throw Error("update of '" + update.table + "': chunk_size is 0", CHIMP_BAD_ARGUMENT);
  if (update.set.empty()) throw Error("update of '" + update.table + "': nothing to Set", CHIMP_BAD_ARGUMENT);
  const std::string table = QuoteIdentifier(update.table);
  const std::string key = QuoteIdentifier(update.key);
  const std::string where = update.where.empty() ? "" : " AND (" + update.where + ")";
  const std::string sql_update =
      "UPDATE " + table + " SET " + update.set + " WHERE " + key + " > ? AND " + key + " <= ?" + where;
  const std::string sql_first = "UPDATE " + table + " SET " + update.set + " WHERE " + key + " <= ?" + where;
  const std::string offset = std::to_string(update.chunk_size - 1);
  const std::string sql_next_after =
      "SELECT " + key + " FROM " + table + " WHERE " + key + " > ? ORDER BY " + key + " LIMIT 1 OFFSET " + offset;
  const std::string sql_next_first =
      "SELECT " + key + " FROM " + table + " ORDER BY " + key + " LIMIT 1 OFFSET " + offset;
  const std::string sql_last_after = "SELECT MAX(" + key + ") FROM " + table + " WHERE " + key + " > ?";
  const std::string sql_last_first = "SELECT MAX(" + key + ") FROM " + table;

  // Keys are read and bound as text unless they are integers, so that any
  // key type orders as the server orders it.
  struct Key {
    std::optional<int64_t> i;
    std::string s;
  };
  auto read_key = [&](const std::string& sql, const std::optional<Key>& after) -> std::optional<Key> {
    std::optional<Key> out;
    auto take = [&out](const Row& row) {
      const chimp_value& v = row[0];
      if (v.type == CHIMP_TYPE_NULL) return false;
      Key k;
      if (v.type == CHIMP_TYPE_INT64) {
        k.i = v.i64;
      } else {
        k.s = row.Get<std::string>(0);
      }
      out = std::move(k);
      return false;
    };
    if (!after) {
      ctx.ForEach(sql, take);
    } else if (after->i) {
      ctx.ForEach(sql, take, *after->i);
    } else {
      ctx.ForEach(sql, take, after->s);
    }
    return out;
  };
  auto run_update = [&](const std::optional<Key>& after, const Key& upto) -> uint64_t {
    if (!after) return upto.i ? ctx.Execute(sql_first, *upto.i) : ctx.Execute(sql_first, upto.s);
    if (after->i && upto.i) return ctx.Execute(sql_update, *after->i, *upto.i);
    return ctx.Execute(sql_update, after->i ? std::to_string(*after->i) : after->s,
                       upto.i ? std::to_string(*upto.i) : upto.s);
  };

  uint64_t total = ctx.Scalar<uint64_t>("SELECT COUNT(*) FROM " + table).value_or(0);
  uint64_t walked = 0;
  uint64_t changed = 0;
  uint64_t chunks = 0;
  std::optional<Key> cursor;
  for (;;) {
    std::optional<Key> upto = read_key(cursor ? sql_next_after : sql_next_first, cursor);
    bool last = false;
    if (!upto) {
      upto = read_key(cursor ? sql_last_after : sql_last_first, cursor);
      if (!upto) break;  // nothing after the cursor
      last = true;
    }
    changed += run_update(cursor, *upto);
    ++chunks;
    walked = last ? std::max(total, walked) : walked + update.chunk_size;
    total = std::max(total, walked);
    ctx.Progress(walked, total);
    if (last) break;
    cursor = std::move(upto);
  }
  ctx.Log("updated " + std::to_string(changed) + " rows of " + table + " in " + std::to_string(chunks) +
          " chunks of up to " + std::to_string(update.chunk_size) + " rows");
  return changed;
}

// ---------------------------------------------------------------------------
// Ops: the operations as steps of an edge
// ---------------------------------------------------------------------------

// Declares typed operations as steps of `edge`, in call order, after the
// steps already declared. Each method takes the step's stable id first and
// returns *this; the description is generated ("Add column `orders`.`status`")
// unless `description` is set for the next call with Describe().
//
// The DDL operations are SQL steps declared kDdl | kIdempotent (plus
// `extra`, e.g. kCleanup for a drop once every server runs the new code).
// InsertRows is a SQL step declared kIdempotent only: it runs in one
// transaction with its changelog row. UpdateRows is a native step declared
// kDdl (plus `extra`): kDdl here means "not in one transaction", so that each
// chunk commits at once and no lock outlives its chunk. It is not declared
// idempotent unless `extra` says so (it is when `where` excludes the rows
// already done).
//
// Rationale for the four statements in one step rather than a step per
// statement: a plan shows one named operation with its guard. Resuming a
// failed step in the middle of the four (at EXECUTE, in a new session) fails
// with "Unknown prepared statement handler"; re-run the step from its first
// statement instead, which the guard makes safe.
class Ops {
 public:
  explicit Ops(EdgeDef& edge) : edge_(&edge) {}

  EdgeDef& edge() const { return *edge_; }

  // Sets the description of the next operation declared.
  Ops& Describe(std::string description) {
    description_ = std::move(description);
    return *this;
  }

  Ops& CreateTable(std::string id, const Table& table, StepOptions extra = {}) {
    return Ddl(std::move(id), "Create table " + QuoteIdentifier(table.name()), CreateTableSql(table), extra);
  }
  Ops& DropTable(std::string id, std::string_view table, StepOptions extra = {}) {
    return Ddl(std::move(id), "Drop table " + QuoteIdentifier(table), DropTableSql(table), extra);
  }
  Ops& AddColumn(std::string id, std::string_view table, const Column& column, StepOptions extra = {}) {
    return Alter(std::move(id), "Add column " + Qualified(table, column.name()), AddColumnSql(table, column),
                 "ADD COLUMN " + ColumnClause(column), table, extra);
  }
  Ops& DropColumn(std::string id, std::string_view table, std::string_view column, StepOptions extra = {}) {
    return Alter(std::move(id), "Drop column " + Qualified(table, column), DropColumnSql(table, column),
                 "DROP COLUMN " + QuoteIdentifier(column), table, extra);
  }
  Ops& ModifyColumn(std::string id, std::string_view table, const Column& column, StepOptions extra = {}) {
    return Alter(std::move(id), "Modify column " + Qualified(table, column.name()), ModifyColumnSql(table, column),
                 "MODIFY COLUMN " + ColumnClause(column), table, extra);
  }
  Ops& RenameColumn(std::string id, std::string_view table, std::string_view from, std::string_view to,
                    StepOptions extra = {}) {
    return Alter(std::move(id), "Rename column " + Qualified(table, from) + " to " + QuoteIdentifier(to),
                 RenameColumnSql(table, from, to),
                 "RENAME COLUMN " + QuoteIdentifier(from) + " TO " + QuoteIdentifier(to), table, extra);
  }
  Ops& AddIndex(std::string id, std::string_view table, const Index& index, StepOptions extra = {}) {
    return Alter(std::move(id), "Add index " + QuoteIdentifier(index.name()) + " on " + QuoteIdentifier(table),
                 AddIndexSql(table, index), "ADD " + index.Definition(), table, extra);
  }
  Ops& DropIndex(std::string id, std::string_view table, std::string_view index, StepOptions extra = {}) {
    return Alter(std::move(id), "Drop index " + QuoteIdentifier(index) + " on " + QuoteIdentifier(table),
                 DropIndexSql(table, index), "DROP INDEX " + QuoteIdentifier(index), table, extra);
  }
  Ops& AddForeignKey(std::string id, std::string_view table, const ForeignKey& fk, StepOptions extra = {}) {
    return Ddl(std::move(id), "Add foreign key " + QuoteIdentifier(fk.name()) + " on " + QuoteIdentifier(table),
               AddForeignKeySql(table, fk), extra);
  }
  Ops& DropForeignKey(std::string id, std::string_view table, std::string_view name, StepOptions extra = {}) {
    return Ddl(std::move(id), "Drop foreign key " + QuoteIdentifier(name) + " on " + QuoteIdentifier(table),
               DropForeignKeySql(table, name), extra);
  }
  Ops& CreateOrReplaceView(std::string id, std::string_view view, std::string_view select, StepOptions extra = {}) {
    return Ddl(std::move(id), "Create or replace view " + QuoteIdentifier(view), CreateOrReplaceViewSql(view, select),
               extra);
  }
  Ops& DropView(std::string id, std::string_view view, StepOptions extra = {}) {
    return Ddl(std::move(id), "Drop view " + QuoteIdentifier(view), DropViewSql(view), extra);
  }

  // Inserts `rows` unless a row with the same key values exists (see
  // InsertRowsSql; `key` empty = the first column):
  //   ops.InsertRows("app.1.0.0.roles", "roles", {"id", "name"},
  //                  {{1, "admin"}, {2, "reader"}});
  Ops& InsertRows(std::string id, std::string_view table, const std::vector<std::string>& columns,
                  const std::vector<std::vector<SqlValue>>& rows, const std::vector<std::string>& key = {},
                  StepOptions extra = {}) {
    std::string sql = InsertRowsSql(table, columns, rows, key);
    edge_->Sql(std::move(id),
               TakeDescription("Insert " + std::to_string(rows.size()) + " row(s) into " + QuoteIdentifier(table)),
               std::move(sql), kIdempotent | extra);
    return *this;
  }

  // A native step running RunRowUpdate(update). `rev` as for EdgeDef::Native.
  Ops& UpdateRows(std::string id, RowUpdate update, std::string rev = "rev:1", StepOptions extra = {}) {
    if (update.chunk_size == 0) throw Error("update_rows '" + id + "': chunk_size is 0", CHIMP_BAD_ARGUMENT);
    if (update.set.empty()) throw Error("update_rows '" + id + "': nothing to Set", CHIMP_BAD_ARGUMENT);
    std::string description = "Update " + QuoteIdentifier(update.table) + " SET " + internal::Clip(update.set) +
                              (update.where.empty() ? "" : " WHERE " + internal::Clip(update.where)) +
                              ", in chunks of " + std::to_string(update.chunk_size) + " rows by " +
                              QuoteIdentifier(update.key);
    (void)QuoteIdentifier(update.key);
    edge_->Native(
        std::move(id), TakeDescription(std::move(description)), std::move(rev),
        [update = std::move(update)](Context& ctx) { RunRowUpdate(ctx, update); }, kDdl | extra);
    return *this;
  }

  // A guarded statement of the author's own: runs `statement` when
  // `condition` (SQL, e.g. reading information_schema) is true.
  Ops& SqlIf(std::string id, std::string description, std::string_view condition, std::string_view statement,
             StepOptions extra = {}) {
    description_ = std::move(description);
    return Ddl(std::move(id), "", GuardedSql(condition, statement), extra);
  }

 private:
  static std::string Qualified(std::string_view table, std::string_view column) {
    return QuoteIdentifier(table) + "." + QuoteIdentifier(column);
  }

  static std::string ColumnClause(const Column& column) {
    return column.Definition() + (column.position().empty() ? "" : " " + column.position());
  }

  std::string TakeDescription(std::string fallback) {
    if (description_.empty()) return fallback;
    return std::exchange(description_, std::string());
  }

  Ops& Ddl(std::string id, std::string description, std::string sql, StepOptions extra) {
    if ((extra.flags & CHIMP_STEP_ONLINE) != 0) {
      throw Error("step '" + id + "': kOnline is for ALTER TABLE operations only", CHIMP_BAD_ARGUMENT);
    }
    edge_->Sql(std::move(id), TakeDescription(std::move(description)), std::move(sql), kDdl | kIdempotent | extra);
    return *this;
  }

  // An ALTER TABLE operation: the guarded form (`guarded`), or with kOnline
  // the one statement ALTER TABLE `table` <clause>, which the host runs
  // online and decides on resume by looking at the table (it converges
  // like the guarded form: a step recorded done never runs again).
  Ops& Alter(std::string id, std::string description, std::string guarded, const std::string& clause,
             std::string_view table, StepOptions extra) {
    if ((extra.flags & CHIMP_STEP_ONLINE) == 0)
      return Ddl(std::move(id), std::move(description), std::move(guarded), extra);
    edge_->Sql(std::move(id), TakeDescription(std::move(description) + " (online)"),
               "ALTER TABLE " + QuoteIdentifier(table) + " " + clause + ";\n", kDdl | extra);
    return *this;
  }

  EdgeDef* edge_;
  std::string description_;
};

}  // namespace chimp::sdk

#endif  // CHIMP_SDK_OPERATIONS_HPP_
