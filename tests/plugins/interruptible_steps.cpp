// Fixture: a DDL step with a statement that sleeps as long as the test's
// table slow_conf says (issue 10: interruptions). "" -> 1.0.0.
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("slow-steps", "1.0.0", "A DDL step with a slow statement") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("slow.schema", "Two tables around a slow statement",
           "CREATE TABLE s_a (id INT PRIMARY KEY);\n"
           "DO SLEEP((SELECT secs FROM slow_conf));\n"
           "CREATE TABLE s_b (id INT PRIMARY KEY);\n"
           "INSERT INTO s_a VALUES (1);\n",
           chimp::sdk::kDdl);
}
