// Fixtures of online ALTER TABLE (issue 15, item 3): steps marked kOnline,
// which chimp runs through pt-online-schema-change.
//
//   online_alter  "" -> 1.0.0 creates oa_items (20,000 rows, a primary key);
//                 1.0.0 -> 2.0.0 a SQL step with one online ALTER TABLE and
//                 a typed AddColumn marked online
//   online_nopk   "" -> 1.0.0 creates oa_nopk (no primary key, no unique
//                 index); 1.0.0 -> 2.0.0 an online ALTER the tool refuses
//   online_bad    kOnline on a step of two statements: refused at load
#include <chimp/sdk/operations.hpp>
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_ONLINE_ALTER)
CHIMP_PLUGIN("online-alter", "2.0.0", "Online ALTER TABLE of a 20,000-row table") {
  plugin.MinHostMinor(4);
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("online_alter.create", "Create oa_items",
           "CREATE TABLE oa_items (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL, "
           "note VARCHAR(40) NOT NULL DEFAULT '')",
           sdk::kDdl)
      .Sql("online_alter.fill", "20,000 rows",
           "INSERT INTO oa_items (v, note) SELECT seq, CONCAT('n', seq) FROM seq_1_to_20000");
  sdk::EdgeDef& e = plugin.Edge("1.0.0", "2.0.0", "Grow oa_items online");
  e.Sql("online_alter.add", "Add extra and idx_note, online",
        "ALTER TABLE oa_items ADD COLUMN extra INT NOT NULL DEFAULT 7, ADD INDEX idx_note (note)",
        sdk::kDdl | sdk::kOnline);
  sdk::Ops(e).AddColumn("online_alter.tag", "oa_items", sdk::Column("tag", "VARCHAR(8)").Default("t"), sdk::kOnline);
}
#elif defined(FIXTURE_ONLINE_NOPK)
CHIMP_PLUGIN("online-nopk", "2.0.0", "An online ALTER of a table without a key") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("online_nopk.create", "Create oa_nopk", "CREATE TABLE oa_nopk (v INT NOT NULL)", sdk::kDdl)
      .Sql("online_nopk.fill", "100 rows", "INSERT INTO oa_nopk (v) SELECT seq FROM seq_1_to_100");
  plugin.Edge("1.0.0", "2.0.0", "Grow oa_nopk online")
      .Sql("online_nopk.add", "Add extra, online", "ALTER TABLE oa_nopk ADD COLUMN extra INT",
           sdk::kDdl | sdk::kOnline);
}
#elif defined(FIXTURE_ONLINE_BAD)
CHIMP_PLUGIN("online-bad", "1.0.0", "kOnline on a step that is not one ALTER TABLE") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("online_bad.two", "Create and alter, online",
           "CREATE TABLE ob (id INT PRIMARY KEY);\nALTER TABLE ob ADD COLUMN v INT;", sdk::kDdl | sdk::kOnline);
}
#endif
