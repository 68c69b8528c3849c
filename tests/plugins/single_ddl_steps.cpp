// Fixture: runs of single-statement DDL steps, whose successes wait for the
// next step's first write (doc/recovery.md, "Deferred finish"), between a
// transactional step and a check (issue 13.1). "" -> 1.0.0 -> 1.1.0:
//   1.0.0: 4 single DDL steps, then an INSERT step (a transaction)
//   1.1.0: 3 single DDL steps, then a check
// The kills of tests/integration/issues/issue_0013_batch_test.cpp stop
// `migrate` at every crash point of these steps.
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("single-ddl-steps", "1.1.0", "Runs of single-statement DDL steps") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("single.1.0.0.a", "Table a", "CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, n INT)", sdk::kDdl)
      .Sql("single.1.0.0.b", "Table b", "CREATE TABLE b (id INT PRIMARY KEY)", sdk::kDdl)
      .Sql("single.1.0.0.a-note", "a.note", "ALTER TABLE a ADD COLUMN note VARCHAR(20)", sdk::kDdl)
      .Sql("single.1.0.0.a-n", "Index a.n", "CREATE INDEX idx_a_n ON a (n)", sdk::kDdl)
      .Sql("single.1.0.0.rows", "Rows of a", "INSERT INTO a (n, note) VALUES (1, 'one'), (2, 'two')");
  plugin.Edge("1.0.0", "1.1.0", "More")
      .Sql("single.1.1.0.c", "Table c", "CREATE TABLE c (id INT PRIMARY KEY, a_id INT)", sdk::kDdl)
      .Sql("single.1.1.0.b-drop", "No table b", "DROP TABLE b", sdk::kDdl)
      .Sql("single.1.1.0.c-fk", "c.a_id references a",
           "ALTER TABLE c ADD CONSTRAINT fk_c_a FOREIGN KEY (a_id) REFERENCES a (id)", sdk::kDdl)
      .Check("single.1.1.0.rows", "a has its rows", "SELECT COUNT(*) = 2 FROM a");
}
