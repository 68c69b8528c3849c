// Fixture: a native step that crashes the whole process with SIGSEGV when
// CHIMP_FIXTURE_SEGFAULT=1 is set, and otherwise inserts one row. A crash
// of a plugin must leave the database and the changelog consistent, and the
// next migrate must finish the work exactly once.
#include <chimp/sdk/plugin.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>

CHIMP_PLUGIN("segfaults-in-step", "1.0.0", "A native step that crashes the process") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("segfaults_in_step.create", "Create sis_items", "CREATE TABLE sis_items (id INT PRIMARY KEY)",
           chimp::sdk::kDdl)
      .Native("segfaults_in_step.fill", "Insert a row, or crash", "rev:1", [](chimp::sdk::Context& ctx) {
        ctx.Execute("INSERT INTO sis_items VALUES (1)");
        const char* crash = std::getenv("CHIMP_FIXTURE_SEGFAULT");
        if (crash != nullptr && std::strcmp(crash, "1") == 0) std::raise(SIGSEGV);
      });
}
