// The schema file of `plugins verify --from-schema`: the version it stands
// for, from its header line and/or --from-version (engine/schema_file.hpp).
#include "engine/schema_file.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace chimp::internal {
namespace {

// A file with `text`, removed at the end of the test.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text)
      : path((std::filesystem::temp_directory_path() / ("chimp_schema_" + std::to_string(::getpid()) + ".sql"))
                 .string()) {
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

TEST_CASE("schema file: the version comes from the header line or --from-version") {
  TempFile with(
      "/*M!999999\\- enable the sandbox mode */\n-- chimp-schema-version: 1.1.0\r\nCREATE TABLE t (id INT);\n");
  auto header = ReadSchemaFile(with.path, "");
  REQUIRE(header.ok());
  CHECK(header->version.ToString() == "1.1.0");
  CHECK(ReadSchemaFile(with.path, "1.1.0").ok());

  TempFile without("CREATE TABLE t (id INT);\n");
  auto flag = ReadSchemaFile(without.path, "2.0.0");
  REQUIRE(flag.ok());
  CHECK(flag->version.ToString() == "2.0.0");
}

TEST_CASE("schema file: no version, a disagreement, a bad version or no file are refused with both values") {
  TempFile without("CREATE TABLE t (id INT);\n");
  auto none = ReadSchemaFile(without.path, "");
  REQUIRE(!none.ok());
  CHECK(none.status().code() == StatusCode::kInvalidArgument);
  CHECK(none.status().message().find("--from-version") != std::string::npos);

  TempFile with("-- chimp-schema-version: 1.1.0\n");
  auto other = ReadSchemaFile(with.path, "1.0.0");
  REQUIRE(!other.ok());
  CHECK(other.status().message().find("--from-version says 1.0.0") != std::string::npos);
  CHECK(other.status().message().find("line 1 of the file says '-- chimp-schema-version: 1.1.0'") != std::string::npos);

  TempFile bad("-- chimp-schema-version: 1.x\n");
  CHECK(ReadSchemaFile(bad.path, "").status().code() == StatusCode::kInvalidArgument);
  CHECK(ReadSchemaFile("/nonexistent/schema.sql", "1.0.0").status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace chimp::internal
