// Fixture plugins built with the C++ layer that the loader must reject. Each
// FIXTURE_* define (set by CMakeLists.txt) selects one; the comment says what
// the loader must report.
#include <chimp/sdk/plugin.hpp>

#include <stdexcept>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_THROWS)
// The registration body throws: the entry fails with the exception's text.
CHIMP_PLUGIN("throws", "1.0.0", "Registration throws") {
  plugin.Edge("", "1.0.0").Sql("throws.create", "Create", "CREATE TABLE t (id INT)", sdk::kDdl);
  throw std::runtime_error("registration failed: thrown by the throws fixture");
}
#elif defined(FIXTURE_DUPLICATE_IDS)
// Step id 'dup.step' twice: edge #1 step #1 and edge #2 step #2.
CHIMP_PLUGIN("duplicate-ids", "1.1.0", "A step id used twice") {
  plugin.Edge("", "1.0.0").Sql("dup.step", "Create", "CREATE TABLE dup (id INT)", sdk::kDdl);
  plugin.Edge("1.0.0", "1.1.0")
      .Sql("dup.other", "Insert", "INSERT INTO dup VALUES (1)")
      .Sql("dup.step", "Insert again", "INSERT INTO dup VALUES (2)");
}
#elif defined(FIXTURE_BAD_VERSION)
// Edge #1 to_version '4.19.x' is not a version.
CHIMP_PLUGIN("bad-version", "4.19.0", "A bad to_version") {
  plugin.Edge("4.18.0.0", "4.19.x").Sql("bad_version.step", "Insert", "INSERT INTO t VALUES (1)");
}
#elif defined(FIXTURE_DOWNGRADE_EDGE)
// Edge #1 goes from 1.1.0 down to 1.0.0.
CHIMP_PLUGIN("downgrade-edge", "1.1.0", "An edge that goes down") {
  plugin.Edge("1.1.0", "1.0.0").Sql("downgrade.step", "Insert", "INSERT INTO t VALUES (1)");
}
#elif defined(FIXTURE_EMPTY_EDGE)
// Edge #2 (1.0.0 -> 1.1.0) has no steps.
CHIMP_PLUGIN("empty-edge", "1.1.0", "An edge without steps") {
  plugin.Edge("", "1.0.0").Sql("empty_edge.create", "Create", "CREATE TABLE t (id INT)", sdk::kDdl);
  plugin.Edge("1.0.0", "1.1.0", "nothing yet");
}
#elif defined(FIXTURE_UNDECLARED_DDL)
// Step 'undeclared.alter' runs ALTER TABLE without declaring kDdl.
CHIMP_PLUGIN("undeclared-ddl", "1.1.0", "DDL without kDdl") {
  plugin.Edge("1.0.0", "1.1.0")
      .Sql("undeclared.alter", "Add a column",
           "-- a comment first\nUPDATE t SET a = 'CREATE TABLE x';\nALTER TABLE t ADD COLUMN b INT;");
}
#elif defined(FIXTURE_BAD_STEP_ID)
// Step id 'bad id!' has characters outside [A-Za-z0-9._-].
CHIMP_PLUGIN("bad-step-id", "1.0.0", "A bad step id") {
  plugin.Edge("", "1.0.0").Sql("bad id!", "Create", "CREATE TABLE t (id INT)", sdk::kDdl);
}
#elif defined(FIXTURE_UNSPLITTABLE_SQL)
// Step 'unsplittable.insert' has an unterminated string.
CHIMP_PLUGIN("unsplittable-sql", "1.0.0", "SQL the client could not split") {
  plugin.Edge("", "1.0.0")
      .Sql("unsplittable.insert", "Insert", "INSERT INTO t VALUES ('oops)", sdk::Source("sql/insert.sql"));
}
#elif defined(FIXTURE_TWO_QUERY_CHECK)
// Check 'two_query.check' holds two statements.
CHIMP_PLUGIN("two-query-check", "1.0.0", "A check with two queries") {
  plugin.Edge("", "1.0.0").Check("two_query.check", "Check", "SELECT 1; SELECT 2");
}
#else
#error "define one FIXTURE_* (see CMakeLists.txt)"
#endif
