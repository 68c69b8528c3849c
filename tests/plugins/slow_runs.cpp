// Fixtures for issue 10 items 2, 3 and 8 (tests/integration/issues/
// issue_0010_runs_test.cpp): runs that are slow on purpose, so that a test
// can act while they run.
//   FIXTURE_SLOW_STEPS  "" -> 1.0.0: a table, then 20 steps of one INSERT
//                       and a 0.3 s sleep each (no DDL: one transaction
//                       each); every step applied once = 20 rows, steps
//                       1..20 once each
//   FIXTURE_SLOW_ALTER  "" -> 1.0.0: a table of 400,000 rows (the sequence
//                       engine); 1.0.0 -> 1.1.0: an ALTER ... ALGORITHM=COPY
//                       of it (seconds), then an UPDATE of one row
#include <chimp/sdk/plugin.hpp>

#include <string>

#if defined(FIXTURE_SLOW_STEPS)
#define CHIMP_FIXTURE_NAME "slow-steps"
#elif defined(FIXTURE_SLOW_ALTER)
#define CHIMP_FIXTURE_NAME "slow-alter"
#else
#error "slow_runs.cpp needs a FIXTURE_* variant"
#endif

namespace sdk = chimp::sdk;

CHIMP_PLUGIN(CHIMP_FIXTURE_NAME, "1.1.0", "Slow runs") {
#if defined(FIXTURE_SLOW_STEPS)
  auto& edge = plugin.Edge("", "1.0.0", "Twenty slow steps");
  edge.Sql("slow.create", "Create slow_log",
           "CREATE TABLE slow_log (id INT AUTO_INCREMENT PRIMARY KEY, step INT NOT NULL)", sdk::kDdl);
  for (int i = 1; i <= 20; ++i) {
    const std::string n = std::to_string(i);
    edge.Sql("slow.step-" + n, "Step " + n, "INSERT INTO slow_log (step) VALUES (" + n + ");\nDO SLEEP(0.3);");
  }
#elif defined(FIXTURE_SLOW_ALTER)
  plugin.Edge("", "1.0.0", "A big table")
      .Sql("big.create", "Create big", "CREATE TABLE big (id INT PRIMARY KEY, a VARCHAR(32) NOT NULL)", sdk::kDdl)
      .Sql("big.fill", "Fill big", "INSERT INTO big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_400000");
  plugin.Edge("1.0.0", "1.1.0", "A slow ALTER")
      .Sql("big.alter", "Add big.b, copying the table",
           "ALTER TABLE big ADD COLUMN b INT NULL, ALGORITHM=COPY;\nUPDATE big SET b = 1 WHERE id = 1;", sdk::kDdl);
#endif
}
