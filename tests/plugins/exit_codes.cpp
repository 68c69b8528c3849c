// Fixtures for "one exit code per event" (issue 9, item 5): each variant has
// one edge "" -> 1.0.0 whose second step is the event.
//   FIXTURE_SQL_CHECK_FAILS     a SQL check whose query returns false
//   FIXTURE_NATIVE_CHECK_FAILS  a native check that returns false
//   FIXTURE_LOST_IN_SQL         a SQL step whose statement kills its own
//                               session: the server is gone mid-step
//   FIXTURE_LOST_IN_NATIVE      a native step that does the same through the
//                               services table
#include <chimp/sdk/plugin.hpp>

#if defined(FIXTURE_SQL_CHECK_FAILS)
#define CHIMP_FIXTURE_NAME "sql-check-fails"
#elif defined(FIXTURE_NATIVE_CHECK_FAILS)
#define CHIMP_FIXTURE_NAME "native-check-fails"
#elif defined(FIXTURE_LOST_IN_SQL)
#define CHIMP_FIXTURE_NAME "lost-in-sql"
#elif defined(FIXTURE_LOST_IN_NATIVE)
#define CHIMP_FIXTURE_NAME "lost-in-native"
#else
#error "exit_codes.cpp needs a FIXTURE_* variant"
#endif

CHIMP_PLUGIN(CHIMP_FIXTURE_NAME, "1.0.0", "One event that fails the run") {
  auto& edge =
      plugin.Edge("", "1.0.0", "Base schema")
          .Sql("exit_codes.create", "Create ec_items", "CREATE TABLE ec_items (id INT PRIMARY KEY)", chimp::sdk::kDdl);
#if defined(FIXTURE_SQL_CHECK_FAILS)
  edge.Check("exit_codes.sql-check", "ec_items has a row", "SELECT COUNT(*) > 0 FROM ec_items");
#elif defined(FIXTURE_NATIVE_CHECK_FAILS)
  edge.Check("exit_codes.native-check", "ec_items has a row", "rev:1", [](chimp::sdk::Context& ctx) {
    return ctx.Scalar<int64_t>("SELECT COUNT(*) FROM ec_items").value_or(0) > 0;
  });
#elif defined(FIXTURE_LOST_IN_SQL)
  edge.Sql("exit_codes.lost", "Lose the session", "KILL CONNECTION_ID()");
#elif defined(FIXTURE_LOST_IN_NATIVE)
  edge.Native("exit_codes.lost", "Lose the session", "rev:1",
              [](chimp::sdk::Context& ctx) { ctx.Execute("KILL CONNECTION_ID()"); });
#endif
  edge.Sql("exit_codes.after", "Never reached", "INSERT INTO ec_items VALUES (1)");
}
