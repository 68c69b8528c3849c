// Fixture: a DDL step whose account statements and CALL a kill must not
// leave to the operator (issue 10.4). "" -> 1.0.0, one DDL step of 12
// statements, each a kill point of tests/integration/issues/
// issue_0010_probes_test.cpp:
//    1 CREATE TABLE          probe
//    2 INSERT                a group
//    3 CREATE PROCEDURE      probe (closes the group); its body changes rows only
//    4 CREATE USER           account probe
//    5 GRANT                 idempotent
//    6 CALL k_bump           joins a group: a kill rolls it back
//    7 ALTER TABLE           probe (closes the CALL's group)
//    8 REVOKE                account probe
//    9 ALTER USER            account probe
//   10 CREATE USER           account probe
//   11 DROP USER             account probe
//   12 INSERT                a group
// The accounts chimp_probe@localhost and chimp_probe_tmp@localhost are the
// server's: the test drops them before each run.
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("kill-probes", "1.0.0", "Account statements and a rows-only CALL, for kills") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("kill_probes.schema", "A table, a procedure that changes rows, accounts and their grants",
           "CREATE TABLE k_t (id INT PRIMARY KEY, n INT NOT NULL);\n"
           "INSERT INTO k_t VALUES (1, 0);\n"
           "DELIMITER //\n"
           "CREATE PROCEDURE k_bump(IN p_id INT)\n"
           "BEGIN\n"
           "  UPDATE k_t SET n = n + 1 WHERE id = p_id;\n"
           "  INSERT INTO k_t SELECT MAX(id) + 1, 0 FROM k_t;\n"
           "END//\n"
           "DELIMITER ;\n"
           "CREATE USER 'chimp_probe'@'localhost' IDENTIFIED BY 'probe';\n"
           "GRANT SELECT, INSERT ON k_t TO 'chimp_probe'@'localhost';\n"
           "CALL k_bump(1);\n"
           "ALTER TABLE k_t ADD COLUMN note VARCHAR(10);\n"
           "REVOKE INSERT ON k_t FROM 'chimp_probe'@'localhost';\n"
           "ALTER USER 'chimp_probe'@'localhost' WITH MAX_QUERIES_PER_HOUR 100;\n"
           "CREATE USER chimp_probe_tmp@localhost;\n"
           "DROP USER chimp_probe_tmp@localhost;\n"
           "INSERT INTO k_t (id, n) VALUES (10, 10);\n",
           chimp::sdk::kDdl);
}
