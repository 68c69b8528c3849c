#include "engine/schema_file.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {
namespace {

// The version of the header line, "" when the file has none; *line is its number.
std::string HeaderVersion(const std::string& text, int* line) {
  std::istringstream lines(text);
  std::string l;
  for (int n = 1; std::getline(lines, l); ++n) {
    if (l.rfind(kSchemaVersionHeader, 0) != 0) continue;
    std::string v = l.substr(std::string(kSchemaVersionHeader).size());
    const size_t b = v.find_first_not_of(" \t");
    const size_t e = v.find_last_not_of(" \t\r");
    *line = n;
    return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
  }
  return "";
}

// Why the schema file may not run `s` on the scratch database; "" when it may.
std::string NamesADatabase(const ClassifiedStatement& s) {
  if (s.statement.kind == SqlStatement::Kind::kUse) return "it selects database '" + s.statement.database + "'";
  for (const DdlObject& o : s.info.ddl.objects) {
    if (o.kind == DdlObject::Kind::kDatabase) return "it creates, changes or drops database '" + o.name + "'";
    if (!o.schema.empty())
      return "it names an object of database '" + o.schema + "' ('" + o.schema + "." + o.name + "')";
  }
  return "";
}

}  // namespace

Result<SchemaFile> ReadSchemaFile(const std::string& path, const std::string& version_flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("--from-schema '" + path + "': the file cannot be read");
  SchemaFile file;
  file.path = path;
  file.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  int line = 0;
  const std::string header = HeaderVersion(file.text, &line);
  if (header.empty() && version_flag.empty()) {
    return Status::InvalidArgument("--from-schema '" + path +
                                   "': which version is it the schema of? Give --from-version V, or put a line '" +
                                   kSchemaVersionHeader + " V' in the file");
  }
  if (!header.empty() && !version_flag.empty() && header != version_flag) {
    return Status::InvalidArgument("--from-schema '" + path + "': --from-version says " + version_flag + ", but line " +
                                   std::to_string(line) + " of the file says '" + kSchemaVersionHeader + " " + header +
                                   "'; make them agree");
  }
  const std::string source =
      header.empty() ? std::string("--from-version") : "--from-schema '" + path + "', line " + std::to_string(line);
  CHIMP_ASSIGN_OR_RETURN(file.version, Version::Parse(header.empty() ? version_flag : header, source));
  return file;
}

Status LoadSchemaFile(Connection& conn, const SchemaFile& file, const std::string& db) {
  const std::string tag(kInternalTag);
  CHIMP_RETURN_IF_ERROR(
      conn.Execute(tag + "CREATE DATABASE IF NOT EXISTS " + Connection::QuoteIdentifier(db)).status());
  CHIMP_RETURN_IF_ERROR(conn.Execute(tag + "USE " + Connection::QuoteIdentifier(db)).status());
  StatementSource statements(file.text, SqlDialect::kClient, file.path);
  for (;;) {
    CHIMP_ASSIGN_OR_RETURN(auto next, statements.Next());
    if (!next.has_value()) return Status::Ok();
    const SqlStatement& s = next->statement;
    const std::string where =
        "--from-schema '" + file.path + "', line " + std::to_string(s.first_line) + " (" + ShortenSql(s.text) + ")";
    if (const std::string why = NamesADatabase(*next); !why.empty()) {
      return Status::InvalidArgument(where + ": refused: " + why +
                                     "; a schema file describes one database without naming it (mariadb-dump "
                                     "--no-data DB, without --databases)");
    }
    auto ran = conn.Execute(s.text);
    if (!ran.ok()) {
      const Status& e = ran.status();
      return (e.code() == StatusCode::kUnavailable ? e : e.WithCode(StatusCode::kDatabaseError)).WithContext(where);
    }
    statements.Follow(conn.Flags());
  }
}

}  // namespace chimp::internal
