// Fixture (issue 12, item 5): an edge "" -> 1.0.0 that declares the schema
// fingerprint its version must have (EdgeDef::Fingerprint, ABI 1.4).
//   fingerprint_right  declares the fingerprint the base schema has on
//                      MariaDB (as `chimp fingerprint` prints it)
//   fingerprint_wrong  declares another one
//   fingerprint_changed, fingerprint_cosmetic
//                      the step changed in effect (and its declaration), or
//                      only in a comment (repair --checksums)
#include <chimp/sdk/plugin.hpp>

// The base schema's fingerprint on MariaDB.
#define FIXTURE_RIGHT "sha256:99105c069bde50409ad5cf4894a7d5ad0d6ea0c7d7cd230ba259ec865ab88c47"
#define FIXTURE_ITEMS                                                                           \
  "CREATE TABLE fp_items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL DEFAULT '',\n" \
  "  KEY by_name (name(10)));\n"

#if defined(FIXTURE_FINGERPRINT_RIGHT)
#define FIXTURE_DECLARED FIXTURE_RIGHT
#define FIXTURE_SQL FIXTURE_ITEMS
#elif defined(FIXTURE_FINGERPRINT_WRONG)
#define FIXTURE_DECLARED "sha256:00000000000000000000000000000000000000000000000000000000000000ff"
#define FIXTURE_SQL FIXTURE_ITEMS
#elif defined(FIXTURE_FINGERPRINT_CHANGED)
// The step changed in effect (one more column), and so did its version's
// fingerprint: repair --checksums must not take it for the step that ran.
#define FIXTURE_DECLARED "sha256:00000000000000000000000000000000000000000000000000000000000000ee"
#define FIXTURE_SQL FIXTURE_ITEMS "ALTER TABLE fp_items ADD COLUMN extra INT NULL;\n"
#elif defined(FIXTURE_FINGERPRINT_COSMETIC)
// Only a comment changed: the same fingerprint.
#define FIXTURE_DECLARED FIXTURE_RIGHT
#define FIXTURE_SQL "-- the items\n" FIXTURE_ITEMS
#else
#error "define one FIXTURE_FINGERPRINT_* variant"
#endif

CHIMP_PLUGIN("fixture-fingerprint", "1.0.0", "A base edge that declares its fingerprint") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("fingerprint.items", "Create fp_items", FIXTURE_SQL, chimp::sdk::kDdl)
      .Fingerprint(FIXTURE_DECLARED);
}
