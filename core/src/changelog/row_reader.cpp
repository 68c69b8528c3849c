#include "changelog/row_reader.hpp"

namespace chimp::internal {

std::string TextOf(const Value& v) { return v.is_null() ? std::string() : v.ToString(); }

int64_t IntOf(const Value& v, int64_t fallback) {
  if (v.type == Value::Type::kInt64) return v.i64;
  if (v.type == Value::Type::kText && !v.text.empty()) {
    try {
      return std::stoll(v.text);
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

Result<bool> TableExists(Connection& conn, const std::string& schema, const char* table) {
  const Value params[] = {Value::Text(schema), Value::Text(table)};
  CHIMP_ASSIGN_OR_RETURN(auto count, conn.QueryScalar("SELECT COUNT(*) FROM information_schema.TABLES "
                                                      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                                                      params));
  return count.has_value() && count->ToString() == "1";
}

}  // namespace chimp::internal
