#include "changelog/tables.hpp"

namespace chimp::internal {

std::string QualifiedName(std::string_view schema, const char* table) {
  return Connection::QuoteIdentifier(schema) + "." + Connection::QuoteIdentifier(table);
}

Status CreateSchema(Connection& conn, std::string_view schema) {
  return conn
      .Execute("CREATE DATABASE IF NOT EXISTS " + Connection::QuoteIdentifier(schema) +
               " DEFAULT CHARACTER SET utf8mb4")
      .status();
}

Status CreateTable(Connection& conn, std::string_view schema, const char* table, const char* columns) {
  return conn
      .Execute("CREATE TABLE IF NOT EXISTS " + QualifiedName(schema, table) + " (" + columns +
               ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
      .status();
}

}  // namespace chimp::internal
