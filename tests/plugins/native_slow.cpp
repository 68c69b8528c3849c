// Fixture for issue 11 item 3 (tests/integration/issues/
// issue_0011_isolation_test.cpp): a run that executes plugin code for a few
// seconds, so that a test can replace or truncate the plugin file while it
// runs. "" -> 1.0.0: a table, then 12 native steps that each insert a row
// and sleep 0.3 s (12 rows when every step ran once).
#include <chimp/sdk/plugin.hpp>

#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("native-slow", "1.0.0", "Native steps that run for a few seconds") {
  auto& edge = plugin.Edge("", "1.0.0", "Twelve slow native steps");
  edge.Sql("native_slow.create", "Create ns_log",
           "CREATE TABLE ns_log (id INT AUTO_INCREMENT PRIMARY KEY, step INT NOT NULL)", sdk::kDdl);
  for (int i = 1; i <= 12; ++i) {
    const std::string n = std::to_string(i);
    edge.Native("native_slow.step-" + n, "Step " + n, "rev:1", [n](sdk::Context& ctx) {
      ctx.Execute("INSERT INTO ns_log (step) VALUES (" + n + ")");
      ctx.Execute("DO SLEEP(0.3)");
    });
  }
}
