// Fixture (issue 10, item 10): SQL steps with several statements in one
// chunk under a custom DELIMITER, which the `mariadb` client sends as one
// multi-statement query (the SQL: multi_statement_sql.h).
//   multi_statement         one DDL step that runs as the client runs it
//   multi_statement_fails   one DDL step whose chunk fails at its second statement
#include <chimp/sdk/plugin.hpp>

#include "multi_statement_sql.h"

#if defined(FIXTURE_MULTI_STATEMENT)
#define MULTI_STATEMENT_STEP "multi_statement.ddl", "Two inserts in one chunk", MULTI_STATEMENT_SQL
#elif defined(FIXTURE_MULTI_STATEMENT_FAILS)
#define MULTI_STATEMENT_STEP \
  "multi_statement_fails.ddl", "A chunk failing at its second statement", MULTI_STATEMENT_FAILS_SQL
#else
#error "define FIXTURE_MULTI_STATEMENT or FIXTURE_MULTI_STATEMENT_FAILS"
#endif

CHIMP_PLUGIN("multi-statement", "1.0.0", "Several statements in one DELIMITER chunk") {
  plugin.Edge("", "1.0.0", "Base schema").Sql(MULTI_STATEMENT_STEP, chimp::sdk::kDdl);
}
