// Fixture (issue 12, item 7): an application a legacy tool created, which
// chimp adopts. The base edge creates what the legacy tool made (so running
// it into a legacy database collides), and the legacy version query reads
// an unqualified table: it finds the version only when it runs with the
// target as its default database.
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("adopt-legacy", "1.1.0", "An application first made by another tool") {
  plugin.LegacyVersionQuery("SELECT MAX(version) FROM legacy_version");
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("adopt.base", "What the legacy tool made",
           "CREATE TABLE legacy_version (version VARCHAR(32) NOT NULL);\n"
           "CREATE TABLE adopt_items (id INT PRIMARY KEY);\n"
           "INSERT INTO legacy_version VALUES ('1.0.0');\n",
           chimp::sdk::kDdl);
  plugin.Edge("1.0.0", "1.1.0", "A column")
      .Sql("adopt.column", "Items get a name", "ALTER TABLE adopt_items ADD COLUMN name VARCHAR(40);\n",
           chimp::sdk::kDdl);
}
