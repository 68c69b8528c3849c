// Fixture: a native step whose row callback throws at the second row, after
// updating the first. The query stops, the exception is rethrown in the
// plugin and becomes the step's error ("thrown in the row callback at id 2").
// The step declares no DDL, so it runs in one transaction: afterwards every
// tirc_items.seen must still be 0.
#include <chimp/sdk/plugin.hpp>

#include <stdexcept>

CHIMP_PLUGIN("throws-in-row-callback", "1.0.0", "A row callback throws") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("throws_in_row_callback.create", "Create tirc_items",
           "CREATE TABLE tirc_items (id INT PRIMARY KEY, seen INT NOT NULL DEFAULT 0)", chimp::sdk::kDdl)
      .Sql("throws_in_row_callback.seed", "Three rows", "INSERT INTO tirc_items (id) VALUES (1), (2), (3)")
      .Native("throws_in_row_callback.walk", "Walk the rows", "rev:1", [](chimp::sdk::Context& ctx) {
        ctx.ForEach("SELECT id FROM tirc_items ORDER BY id", [&](int64_t id) {
          ctx.Execute("UPDATE tirc_items SET seen = 1 WHERE id = ?", id);
          if (id == 2) throw std::runtime_error("thrown in the row callback at id 2");
        });
      });
}
