// Fixture (issue 10, item 5): one DDL step in three versions of the same
// plugin, so that a test can swap the plugin between runs.
//   changed_step_v1       fails at statement 3 (ALTER of a table that does not exist),
//                         after statements 1 and 2 (a table and its row) are done
//   changed_step_prefix   statement 3 fixed, and a new statement in front
//   changed_step_fixed    only statement 3 fixed
//   no_base_edge          the same plugin with only an upgrade edge 1.0.0 -> 1.1.0
//                         (nothing starts from the empty version; item 7)
#include <chimp/sdk/plugin.hpp>

#if defined(FIXTURE_CHANGED_STEP_V1)
#define CHANGED_STEP_SQL                       \
  "CREATE TABLE cs_a (id INT);\n"              \
  "INSERT INTO cs_a VALUES (1);\n"             \
  "ALTER TABLE cs_missing ADD COLUMN x INT;\n" \
  "CREATE TABLE cs_c (id INT PRIMARY KEY);\n"
#elif defined(FIXTURE_CHANGED_STEP_PREFIX)
#define CHANGED_STEP_SQL                        \
  "CREATE TABLE cs_new (id INT PRIMARY KEY);\n" \
  "CREATE TABLE cs_a (id INT);\n"               \
  "INSERT INTO cs_a VALUES (1);\n"              \
  "CREATE TABLE cs_b (id INT PRIMARY KEY);\n"   \
  "CREATE TABLE cs_c (id INT PRIMARY KEY);\n"
#elif defined(FIXTURE_CHANGED_STEP_FIXED) || defined(FIXTURE_NO_BASE_EDGE)
#define CHANGED_STEP_SQL                      \
  "CREATE TABLE cs_a (id INT);\n"             \
  "INSERT INTO cs_a VALUES (1);\n"            \
  "CREATE TABLE cs_b (id INT PRIMARY KEY);\n" \
  "CREATE TABLE cs_c (id INT PRIMARY KEY);\n"
#else
#error "define one FIXTURE_CHANGED_STEP_* variant"
#endif

#if defined(FIXTURE_NO_BASE_EDGE)
#define CHANGED_STEP_FROM "1.0.0"
#define CHANGED_STEP_TO "1.1.0"
#else
#define CHANGED_STEP_FROM ""
#define CHANGED_STEP_TO "1.0.0"
#endif

CHIMP_PLUGIN("changed-step", CHANGED_STEP_TO, "A DDL step changed between two runs") {
  plugin.Edge(CHANGED_STEP_FROM, CHANGED_STEP_TO, "Base schema")
      .Sql("changed_step.ddl", "Tables and rows, in an order later versions change", CHANGED_STEP_SQL,
           chimp::sdk::kDdl);
}
