// Fixture: CALLs of procedures that build one DDL statement and run it as a
// prepared statement, in the form of CloudStack's IDEMPOTENT_* procedures
// (issue 10.4). Neither is re-runnable: a second CHANGE COLUMN raises 1054
// (its handler covers 1060), a second ADD CONSTRAINT raises a duplicate key
// (its handler covers 1061 only). "" -> 1.0.0, one DDL step of 7
// statements, each a kill point of tests/integration/issues/
// issue_0010_routine_ddl_test.cpp:
//    1 CREATE TABLE          probe
//    2 CREATE TABLE          probe
//    3 CREATE PROCEDURE      probe
//    4 CREATE PROCEDURE      probe
//    5 CALL d_change_column  probe of d_t, the table its ALTER names
//    6 CALL d_add_fk         probe of d_t (and d_parent)
//    7 INSERT                a group
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("dynamic-ddl-calls", "1.0.0", "CALLs that run one dynamic DDL statement, for kills") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("dynamic_ddl_calls.schema", "Two tables, two procedures that alter them, and their CALLs",
           "CREATE TABLE d_t (id INT PRIMARY KEY, old_name INT);\n"
           "CREATE TABLE d_parent (id INT PRIMARY KEY);\n"
           "DELIMITER //\n"
           "CREATE PROCEDURE d_change_column (\n"
           "    IN in_table_name VARCHAR(200)\n"
           "    , IN in_old_column_name VARCHAR(200)\n"
           "    , IN in_new_column_name VARCHAR(200)\n"
           "    , IN in_column_definition VARCHAR(1000)\n"
           ")\n"
           "BEGIN\n"
           "    DECLARE CONTINUE HANDLER FOR 1060 BEGIN END; SET @ddl = CONCAT('ALTER TABLE ', in_table_name);"
           " SET @ddl = CONCAT(@ddl, ' ', ' CHANGE COLUMN') ; SET @ddl = CONCAT(@ddl, ' ', in_old_column_name);"
           " SET @ddl = CONCAT(@ddl, ' ', in_new_column_name); SET @ddl = CONCAT(@ddl, ' ', in_column_definition);"
           " PREPARE stmt FROM @ddl; EXECUTE stmt; DEALLOCATE PREPARE stmt; END//\n"
           "CREATE PROCEDURE d_add_fk (\n"
           "\tIN in_table_name VARCHAR(200)\n"
           "    , IN in_key_name VARCHAR(200)\n"
           "    , IN in_foreign_key VARCHAR(200)\n"
           "    , IN in_references VARCHAR(1000)\n"
           ")\n"
           "BEGIN\n"
           "    DECLARE CONTINUE HANDLER FOR 1061 BEGIN END; SET @ddl = CONCAT_WS(' ', 'ALTER TABLE ', in_table_name,"
           " ' ADD CONSTRAINT ', in_key_name, ' FOREIGN KEY ', in_foreign_key, ' REFERENCES ', in_references,"
           " ' ON DELETE CASCADE'); PREPARE stmt FROM @ddl; EXECUTE stmt; DEALLOCATE PREPARE stmt; END//\n"
           "DELIMITER ;\n"
           "CALL d_change_column('d_t', 'old_name', 'new_name', 'INT NULL COMMENT \"renamed\"');\n"
           "CALL d_add_fk('d_t', 'fk_d_t__parent', '(new_name)', '`d_parent`(`id`)');\n"
           "INSERT INTO d_parent VALUES (1);\n",
           chimp::sdk::kDdl);
}
