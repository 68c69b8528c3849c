// Fixtures for `chimp rehearse` (issue 12 item 4; tests/integration/issues/
// issue_0012_rehearse_test.cpp). One base edge in every variant (the same
// checksum, so the plugin can be swapped after `migrate --to 1.0.0`), and
// an edge 1.0.0 -> 1.1.0 that differs:
//   rehearse_fails  adds rh_items.note, then ALTERs rh_missing (no such
//                   table): fails at statement 2 of rh.upgrade
//   rehearse_slow   ten statements of one second each (DO SLEEP(1)), so a
//                   test can signal chimp while the rehearsal runs them
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_REHEARSE_FAILS)
#define REHEARSE_UPGRADE_SQL                            \
  "ALTER TABLE rh_items ADD COLUMN note VARCHAR(20);\n" \
  "ALTER TABLE rh_missing ADD COLUMN y INT;\n"          \
  "UPDATE rh_items SET note = CONCAT('n', id);\n"
#define REHEARSE_UPGRADE_FLAGS sdk::kDdl
#elif defined(FIXTURE_REHEARSE_SLOW)
#define REHEARSE_UPGRADE_SQL                                                                                         \
  "DO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\nDO SLEEP(1);\n" \
  "DO SLEEP(1);\nDO SLEEP(1);\n"
#define REHEARSE_UPGRADE_FLAGS \
  sdk::StepOptions {}
#else
#error "rehearse_steps.cpp needs a FIXTURE_* variant"
#endif

CHIMP_PLUGIN("rehearse-steps", "1.1.0", "Fixtures for chimp rehearse") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("rh.base", "rh_items and three rows",
           "CREATE TABLE rh_items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL);\n"
           "INSERT INTO rh_items (name) VALUES ('a'), ('b'), ('c');\n",
           sdk::kDdl);
  plugin.Edge("1.0.0", "1.1.0", "Upgrade")
      .Sql("rh.upgrade", "The upgrade", REHEARSE_UPGRADE_SQL, REHEARSE_UPGRADE_FLAGS);
}
