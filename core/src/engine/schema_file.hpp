// SchemaFile: the schema of a database at one version, as a plugin's
// repository keeps it for `plugins verify --from-schema` (chimp/verify.hpp):
// SQL as mariadb-dump writes it, run on a scratch database.
#ifndef CHIMP_ENGINE_SCHEMA_FILE_HPP_
#define CHIMP_ENGINE_SCHEMA_FILE_HPP_

#include <string>

#include "chimp/connection.hpp"
#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp::internal {

// The header line that names the version a schema file stands for.
inline constexpr const char* kSchemaVersionHeader = "-- chimp-schema-version:";

struct SchemaFile {
  std::string path;
  std::string text;
  Version version;
};

// Reads `path` and the version it stands for: `version_flag` (--from-version)
// and/or the file's "-- chimp-schema-version: V" line. Errors: NotFound (the
// file cannot be read), InvalidArgument (no version, not a version, the flag
// and the header disagree; the message names both).
Result<SchemaFile> ReadSchemaFile(const std::string& path, const std::string& version_flag);

// Creates database `db` and runs every statement of `file` in it, split as
// the `mariadb` client splits (DELIMITER, executable comments), following
// the session's sql_mode. Refuses (InvalidArgument, before running it) a
// statement that names a database: "use", CREATE/DROP/ALTER DATABASE, an
// object qualified with a schema. A statement the server refuses is a
// DatabaseError naming the file, line and statement.
Status LoadSchemaFile(Connection& conn, const SchemaFile& file, const std::string& db);

}  // namespace chimp::internal

#endif  // CHIMP_ENGINE_SCHEMA_FILE_HPP_
