// Fixture: a native step that throws. The exception must become the step's
// error ("boom: thrown by the throws_in_step fixture"), not a crash.
#include <chimp/sdk/plugin.hpp>

#include <stdexcept>

CHIMP_PLUGIN("throws-in-step", "1.0.0", "A native step throws") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("throws_in_step.create", "Create tis_items", "CREATE TABLE tis_items (id INT PRIMARY KEY)", chimp::sdk::kDdl)
      .Native("throws_in_step.boom", "Throw", "rev:1", [](chimp::sdk::Context& ctx) {
        ctx.Log("about to throw");
        throw std::runtime_error("boom: thrown by the throws_in_step fixture");
      });
}
