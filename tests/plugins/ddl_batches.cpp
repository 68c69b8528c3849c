// Fixture: DDL steps whose statements share pre-image writes (batches), for
// the fault-injection sweep. "" -> 1.0.0, one DDL step:
//   three CREATE TABLEs on distinct tables          one batch
//   ALTER of a table of that batch + a view on it   a new batch (overlap)
//   CREATE TABLE, then DROP TABLE IF EXISTS of it   the DROP first confirms the batch
//   an INSERT, then CREATE TABLE + CREATE PROCEDURE a group, then a batch written
//                                                   in the group's closing update
//   two CALLs of a procedure declared re-runnable   no write of their own; the first
//                                                   confirms the batch before it
//   ALTER TABLE ... RENAME TO                       never batched
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("ddl-batches", "1.0.0", "DDL statements that share pre-image writes") {
  plugin.RerunnableCalls("b_idem_*");
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("ddl_batches.schema", "Tables, a view and a procedure in runs of DDL",
           "CREATE TABLE b_a (id INT PRIMARY KEY);\n"
           "CREATE TABLE b_b (id INT PRIMARY KEY);\n"
           "CREATE TABLE b_c (id INT PRIMARY KEY, a_id INT,\n"
           "  CONSTRAINT fk_c_a FOREIGN KEY (a_id) REFERENCES b_a (id));\n"
           "ALTER TABLE b_a ADD COLUMN name VARCHAR(20);\n"
           "CREATE VIEW b_v AS SELECT id, name FROM b_a;\n"
           "CREATE TABLE b_tmp (id INT);\n"
           "DROP TABLE IF EXISTS b_tmp;\n"
           "INSERT INTO b_a VALUES (1, 'one');\n"
           "INSERT INTO b_b VALUES (1);\n"
           "CREATE TABLE b_d (id INT);\n"
           "DELIMITER //\n"
           "CREATE PROCEDURE b_idem_add()\n"
           "BEGIN\n"
           "  IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()\n"
           "                 AND TABLE_NAME = 'b_d' AND COLUMN_NAME = 'extra') THEN\n"
           "    ALTER TABLE b_d ADD COLUMN extra INT;\n"
           "  END IF;\n"
           "END//\n"
           "DELIMITER ;\n"
           "CALL b_idem_add();\n"
           "CALL b_idem_add();\n"
           "ALTER TABLE b_b RENAME TO b_b2;\n"
           "ALTER TABLE b_b2 ADD COLUMN note VARCHAR(10);\n"
           "INSERT INTO b_c VALUES (1, 1);\n",
           chimp::sdk::kDdl);
}
