// Fixture: a valid plugin using every feature of the C++ layer. The loader
// tests assert the copied fields below; keep them in sync.
#include <chimp/sdk/plugin.hpp>

#include <cctype>
#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("good", "1.1.0", "The good fixture") {
  // CRLF line ends, trailing blanks and trailing blank lines: the checksum is
  // that of the normalised text (loader_test.cpp pins it).
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("good.1.0.0.create", "Create good_items",
           "CREATE TABLE good_items (\r\n  id BIGINT PRIMARY KEY,   \r\n  name VARCHAR(64) NOT NULL\t\r\n)\r\n\r\n",
           sdk::kDdl | sdk::ProposedAt("2026-11-21") | sdk::Source("good/create.sql"))
      .Sql("good.1.0.0.seed", "Two rows", "INSERT INTO good_items (id, name) VALUES (1, 'one'), (2, 'two')")
      .Check("good.1.0.0.has-rows", "Both rows are there", "SELECT COUNT(*) = 2 FROM good_items");

  auto& e = plugin.Edge("1.0.0", "1.1.0", "Upper-case names");
  e.Sql("good.1.1.0.add-upper", "Add good_items.name_upper",
        "ALTER TABLE good_items ADD COLUMN name_upper VARCHAR(64) NULL", sdk::kDdl);
  e.Native(
      "good.1.1.0.fill-upper", "Fill name_upper", "rev:3",
      [](sdk::Context& ctx) {
        ctx.Log("filling name_upper");
        ctx.Progress(0);
        for (auto& [id, name] : ctx.Rows<int64_t, std::string>("SELECT id, name FROM good_items ORDER BY id")) {
          for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          ctx.Execute("UPDATE good_items SET name_upper = ? WHERE id = ?", name, id);
        }
      },
      sdk::kIdempotent);
  e.Check("good.1.1.0.all-filled", "Every row has name_upper", "rev:1", [](sdk::Context& ctx) {
    return ctx.Scalar<int64_t>("SELECT COUNT(*) FROM good_items WHERE name_upper IS NULL").value_or(0) == 0;
  });
  e.Sql("good.1.1.0.drop-legacy", "Drop the legacy column", "ALTER TABLE good_items DROP COLUMN IF EXISTS legacy",
        sdk::kDdl | sdk::kIdempotent | sdk::kCleanup);
}
