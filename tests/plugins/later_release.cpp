// Fixture (issue 11, item 4): three releases of one application, each
// release's plugin built on its own as CI builds it, for `plugins verify` of
// a later edge.
//   lr_1_0          "" -> 1.0.0      later_release/V1.0.0__lr.sql
//   lr_1_1          1.0.0 -> 1.1.0   later_release/V1.1.0__lr.sql (a trigger, DELIMITER)
//   lr_1_2          1.1.0 -> 1.2.0   later_release/V1.2.0__lr.sql, a native step and a
//                                    check; every statement needs the 1.1.0 schema
//   lr_1_2_broken   the same edge with `CREAT TABLE` at line 9 of its
//                   later_release/broken/V1.2.0__lr.sql
// later_release/schema-1.1.0.sql is the 1.1.0 schema as mariadb-dump writes it.
#include <chimp/sdk/embedded.hpp>
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_LR_1_0)
CHIMP_PLUGIN("lr-1.0.0", "1.0.0", "later-release fixture, release 1.0.0") {
  plugin.Edge("", "1.0.0", "base schema")
      .Sql("lr.1.0.0.schema", "Items", sdk::EmbeddedSql("later_release/V1.0.0__lr.sql"),
           sdk::kDdl | sdk::Source("V1.0.0__lr.sql"));
}
#elif defined(FIXTURE_LR_1_1)
CHIMP_PLUGIN("lr-1.1.0", "1.1.0", "later-release fixture, release 1.1.0") {
  plugin.Edge("1.0.0", "1.1.0", "prices and orders")
      .Sql("lr.1.1.0.schema", "Prices, orders, a trigger", sdk::EmbeddedSql("later_release/V1.1.0__lr.sql"),
           sdk::kDdl | sdk::Source("V1.1.0__lr.sql"));
}
#elif defined(FIXTURE_LR_1_2) || defined(FIXTURE_LR_1_2_BROKEN)
#if defined(FIXTURE_LR_1_2)
#define LR_1_2_SQL "later_release/V1.2.0__lr.sql"
#else
#define LR_1_2_SQL "later_release/broken/V1.2.0__lr.sql"
#endif
CHIMP_PLUGIN("lr-1.2.0", "1.2.0", "later-release fixture, release 1.2.0") {
  plugin.Edge("1.1.0", "1.2.0", "quantities, a price index, an audit table")
      .Sql("lr.1.2.0.schema", "Quantities, index, audit, procedure", sdk::EmbeddedSql(LR_1_2_SQL),
           sdk::kDdl | sdk::Source("V1.2.0__lr.sql"))
      .Native("lr.1.2.0.audit", "Record the upgrade", "rev:1",
              [](sdk::Context& ctx) { ctx.Execute("INSERT INTO lr_audit (note) VALUES (?)", std::string("1.2.0")); })
      .Check("lr.1.2.0.no-negative-price", "No price is negative", "SELECT COUNT(*) = 0 FROM lr_items WHERE price < 0");
}
#else
#error "define one FIXTURE_LR_* variant"
#endif
