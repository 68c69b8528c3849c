// Fixture: steps that fail until the operator fixes their cause, so that a
// test can check the failed rows and that `migrate` resumes afterwards.
//   fails_until_fixed.ddl   DDL, 4 statements; the 3rd needs table `needed_by_ddl`
//   fails_until_fixed.dml   no DDL, 2 inserts in one transaction; the 2nd needs
//                           table `needed_by_dml`
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("fails-until-fixed", "1.0.0", "Steps that fail until their cause is fixed") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("fails_until_fixed.ddl", "Create three tables, reading one the operator must create",
           "CREATE TABLE fuf_a (id INT PRIMARY KEY);\n"
           "CREATE TABLE fuf_b (id INT PRIMARY KEY);\n"
           "INSERT INTO needed_by_ddl VALUES (1);\n"
           "CREATE TABLE fuf_c (id INT PRIMARY KEY);\n",
           chimp::sdk::kDdl)
      .Sql("fails_until_fixed.dml", "Two inserts in one transaction",
           "INSERT INTO fuf_a VALUES (1);\n"
           "INSERT INTO needed_by_dml VALUES (1);\n");
}
