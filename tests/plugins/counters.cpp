// Fixture for issue 10 item 1 (tests/integration/issues/
// issue_0010_counters_test.cpp): transactions that insert rows with
// AUTO_INCREMENT ids, followed by an insert with an explicit id, as on the
// CloudStack chain (schema-461to470.sql: INSERT IGNORE ... VALUES (25, ...)).
// In a clean run `caps` ends with ids 1..11, 'explicit' at id 10; a run
// killed inside one of the transactions and resumed must end the same.
//   "" -> 1.0.0     caps.create (DDL), caps.fill (one transaction: a, b, c),
//                   caps.mixed (DDL, then a group: d, e),
//                   caps.native (native, one transaction: f, g),
//                   caps.call (DDL: a procedure inserting a row, then two
//                   CALLs of it, which join one group: i, j)
//   1.0.0 -> 1.1.0  caps.explicit: INSERT IGNORE of id 10, then h (id 11)
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("counters", "1.1.0", "AUTO_INCREMENT ids across kills") {
  plugin.Edge("", "1.0.0", "Rows with generated ids")
      .Sql("caps.create", "Create caps",
           "CREATE TABLE caps (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(32) NOT NULL UNIQUE)", sdk::kDdl)
      .Sql("caps.fill", "Three rows",
           "INSERT INTO caps (name) VALUES ('a');\nINSERT INTO caps (name) VALUES ('b'), ('c');")
      .Sql("caps.mixed", "A column, then two rows",
           "ALTER TABLE caps ADD COLUMN note VARCHAR(16) NULL;\nINSERT INTO caps (name) VALUES ('d');\n"
           "INSERT INTO caps (name, note) VALUES ('e', 'mixed');",
           sdk::kDdl)
      .Native("caps.native", "Two rows from code", "rev:1",
              [](sdk::Context& ctx) {
                ctx.Execute("INSERT INTO caps (name) VALUES (?)", std::string("f"));
                ctx.Execute("INSERT INTO caps (name) VALUES (?)", std::string("g"));
              })
      .Sql("caps.call", "A procedure, then two CALLs of it in a group",
           "CREATE PROCEDURE add_cap(IN n VARCHAR(32)) INSERT INTO caps (name) VALUES (n);\n"
           "CALL add_cap('i');\nCALL add_cap('j');",
           sdk::kDdl);
  plugin.Edge("1.0.0", "1.1.0", "A row with an explicit id")
      .Sql("caps.explicit", "Id 10, then one more",
           "INSERT IGNORE INTO caps (id, name) VALUES (10, 'explicit');\nINSERT INTO caps (name) VALUES ('h');");
}
