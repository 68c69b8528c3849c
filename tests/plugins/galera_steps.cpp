// Fixtures for issue 15 item 2, Galera (tests/integration/galera/
// galera_test.cpp):
//   FIXTURE_GALERA_STEPS    "" -> 1.0.0: a table g_log and a check that the
//                           work session waits for the cluster's writes
//                           (wsrep_sync_wait); 1.0.0 -> 2.0.0: 8 DDL steps
//                           (ALTER TABLE g_log ADD COLUMN c<i>, replicated
//                           by TOI), each followed by a step of one INSERT
//                           and a 0.4 s sleep, so that a test can kill a
//                           node or chimp mid-run; 2.0.0 has 8 g_log rows
//   FIXTURE_GALERA_REFUSED  "" -> 1.0.0: a table, then LOCK TABLES, a MyISAM
//                           table, GET_LOCK and wsrep_OSU_method = RSU: all
//                           refused on a Galera node before anything runs
//   FIXTURE_GALERA_NO_PK    "" -> 1.0.0: a table without a PRIMARY KEY (a
//                           warning on Galera; it runs)
#include <chimp/sdk/plugin.hpp>

#include <string>

#if defined(FIXTURE_GALERA_STEPS)
#define CHIMP_FIXTURE_NAME "galera-steps"
#elif defined(FIXTURE_GALERA_REFUSED)
#define CHIMP_FIXTURE_NAME "galera-refused"
#elif defined(FIXTURE_GALERA_NO_PK)
#define CHIMP_FIXTURE_NAME "galera-no-pk"
#else
#error "galera_steps.cpp needs a FIXTURE_* variant"
#endif

namespace sdk = chimp::sdk;

CHIMP_PLUGIN(CHIMP_FIXTURE_NAME, "2.0.0", "Galera") {
#if defined(FIXTURE_GALERA_STEPS)
  plugin.Edge("", "1.0.0", "g_log")
      .Sql("g.create", "Create g_log",
           "CREATE TABLE g_log (id INT AUTO_INCREMENT PRIMARY KEY, step INT NOT NULL, node VARCHAR(64) NOT NULL, "
           "at DATETIME(6) NOT NULL) ENGINE=InnoDB",
           sdk::kDdl)
      .Check("g.sync-wait", "the work session waits for the cluster's writes", "SELECT @@session.wsrep_sync_wait & 1");
  auto& edge = plugin.Edge("1.0.0", "2.0.0", "Eight columns, slowly");
  for (int i = 1; i <= 8; ++i) {
    const std::string n = std::to_string(i);
    edge.Sql("g.ddl-" + n, "Add g_log.c" + n, "ALTER TABLE g_log ADD COLUMN c" + n + " INT NULL", sdk::kDdl);
    edge.Sql("g.row-" + n, "Row " + n,
             "INSERT INTO g_log (step, node, at) VALUES (" + n + ", @@wsrep_node_name, NOW(6));\nDO SLEEP(0.4);");
  }
#elif defined(FIXTURE_GALERA_REFUSED)
  plugin.Edge("", "1.0.0", "What Galera refuses")
      .Sql("r.create", "Create r_ok", "CREATE TABLE r_ok (id INT PRIMARY KEY)", sdk::kDdl)
      .Sql("r.lock", "Lock r_ok", "LOCK TABLES r_ok WRITE;\nINSERT INTO r_ok VALUES (1);\nUNLOCK TABLES;", sdk::kDdl)
      .Sql("r.myisam", "A MyISAM table", "CREATE TABLE r_m (id INT PRIMARY KEY) ENGINE=MyISAM", sdk::kDdl)
      .Sql("r.aria", "To Aria", "ALTER TABLE r_ok ENGINE = 'Aria'", sdk::kDdl)
      .Sql("r.get-lock", "A named lock", "SELECT GET_LOCK('r', 1);\nDO RELEASE_LOCK('r');")
      .Sql("r.rsu", "RSU", "SET SESSION wsrep_OSU_method = 'RSU';\nALTER TABLE r_ok ADD COLUMN b INT", sdk::kDdl);
#elif defined(FIXTURE_GALERA_NO_PK)
  plugin.Edge("", "1.0.0", "A table without a primary key")
      .Sql("np.create", "Create np", "CREATE TABLE np (a INT NOT NULL, engine VARCHAR(16) NULL)", sdk::kDdl);
#endif
}
