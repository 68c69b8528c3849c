// ABI 1.1 fixtures (tests/plugins/CMakeLists.txt): session settings,
// dialects, warnings, DML grouping and repeatable steps. Each FIXTURE_*
// define selects one plugin; with none, the loader-test plugin that sets
// every 1.1 field.
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_SESSION)
// Session statements: the plugin's, the step's, and the reset between steps.
CHIMP_PLUGIN("session", "1.0.0", "session settings") {
  plugin.MinHostMinor(1);
  plugin.SessionSql("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("session.log", "log table",
        "CREATE TABLE sm_log (seq INT AUTO_INCREMENT PRIMARY KEY, step VARCHAR(20), mode VARCHAR(500), "
        "uservar VARCHAR(20), db VARCHAR(64));\n"
        "INSERT INTO sm_log (step, mode, uservar, db) VALUES ('s1', @@SESSION.sql_mode, @x, DATABASE());",
        sdk::kDdl);
  e.Sql("session.step-sql", "the step adds ANSI_QUOTES, then its script changes the mode",
        "SET @x = 'set-by-s2';\n"
        "INSERT INTO sm_log (step, mode, uservar, db) VALUES ('s2', @@SESSION.sql_mode, @x, DATABASE());\n"
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';\n"
        "INSERT INTO sm_log (step, mode, uservar, db) VALUES ('s2b', @@SESSION.sql_mode, @x, DATABASE());",
        sdk::SessionSql("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES')"));
  e.Sql("session.reset", "back to the plugin's mode, no user variable",
        "INSERT INTO sm_log (step, mode, uservar, db) VALUES ('s3', @@SESSION.sql_mode, @x, DATABASE())");
  e.Check("session.no-db", "Database(\"\") runs without a default database", "SELECT DATABASE() IS NULL",
          sdk::Database(""));
  e.Check("session.other-db", "Database(\"mysql\") runs in mysql", "SELECT DATABASE() = 'mysql'",
          sdk::Database("mysql"));
  e.Sql("session.modes-split", "sql_mode set mid-script changes how the rest splits",
        "CREATE TABLE nbe (v VARCHAR(20));\n"
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';\n"
        "INSERT INTO nbe VALUES ('a\\');\n"
        "INSERT INTO nbe VALUES ('b');\n"
        "SET SESSION sql_mode = 'ANSI_QUOTES';\n"
        "CREATE TABLE \"aq\\\" (v INT);\n"
        "INSERT INTO \"aq\\\" VALUES (1);\n",
        sdk::kDdl);
}
#elif defined(FIXTURE_SCRIPT_RUNNER)
// A CloudStack-style script: a procedure body on one line, no DELIMITER.
CHIMP_PLUGIN("script-runner", "1.0.0", "ScriptRunner dialect") {
  plugin.MinHostMinor(1);
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("sr.table", "log table", "CREATE TABLE sr_log (v INT)", sdk::kDdl);
  e.Sql("sr.procedure", "a procedure as CloudStack writes them",
        "-- a comment line; it ends with a semicolon;\n"
        "DROP PROCEDURE IF EXISTS `sr_add`;\n"
        "CREATE PROCEDURE `sr_add` (\n"
        "    IN n INT -- the value\n"
        ")\n"
        "BEGIN\n"
        "\n"
        "    DECLARE x INT DEFAULT 0; SET x = n; INSERT INTO sr_log VALUES (x); END;\n"
        "# another comment\n"
        "CALL sr_add(7);\r\n"
        "// and another\n"
        "INSERT INTO sr_log\n"
        "  VALUES (8);\n"
        "INSERT INTO sr_log VALUES (9)\n",  // no ';': ScriptRunner never sends it
        sdk::kDdl | sdk::Dialect(sdk::kScriptRunner) | sdk::Source("sr.sql"));
}
#elif defined(FIXTURE_WARNINGS)
// Warnings are collected; kWarningsFatal turns them into a failure.
CHIMP_PLUGIN("warnings", "1.0.0", "warnings") {
  plugin.MinHostMinor(1);
  plugin.SessionSql("SET SESSION sql_mode = ''");
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("warnings.table", "table", "CREATE TABLE wt (v TINYINT)", sdk::kDdl);
  e.Sql("warnings.collected", "out of range, not fatal",
        "INSERT INTO wt VALUES (1000);\nINSERT INTO wt VALUES (5);\nINSERT INTO wt VALUES (-1000)");
  e.Sql("warnings.fatal", "out of range, fatal", "INSERT INTO wt VALUES (3);\nINSERT INTO wt VALUES (2000)",
        sdk::kWarningsFatal);
}
#elif defined(FIXTURE_GROUPED)
// A DDL step whose DML runs in groups: statement 4 fails until g_needed
// exists; statements 2 and 3 are then rolled back with it.
CHIMP_PLUGIN("grouped", "1.0.0", "grouped DML") {
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("grouped.step", "DDL, then DML that fails",
        "CREATE TABLE g (id INT PRIMARY KEY);\n"
        "INSERT INTO g VALUES (1);\n"
        "INSERT INTO g VALUES (2);\n"
        "INSERT INTO g_needed VALUES (1);\n"
        "CREATE TABLE g_after (id INT);\n"
        "INSERT INTO g VALUES (3);\n",
        sdk::kDdl);
}
#elif defined(FIXTURE_RESUME_SESSION)
// A resumed DDL step replays the session state its skipped statements set.
CHIMP_PLUGIN("resume-session", "1.0.0", "resume replays SET") {
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("resume.step", "SETs, DDL, then DML that fails until rs_needed exists",
        "SET @tag = 'replayed';\n"
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';\n"
        "CREATE TABLE rs (v VARCHAR(20));\n"
        "INSERT INTO rs_needed VALUES (1);\n"
        "INSERT INTO rs VALUES (@tag), ('x\\');\n",
        sdk::kDdl);
}
#elif defined(FIXTURE_REPEATABLE_V1) || defined(FIXTURE_REPEATABLE_V2)
// The same plugin twice; v2 changes the after-repeatable's SQL only.
#if defined(FIXTURE_REPEATABLE_V1)
#define VIEW_SQL "CREATE OR REPLACE VIEW rv AS SELECT 1 AS version"
#else
#define VIEW_SQL "CREATE OR REPLACE VIEW rv AS SELECT 2 AS version"
#endif
CHIMP_PLUGIN("repeatable", "1.0.0", "repeatables") {
  plugin.MinHostMinor(1);
  auto& e = plugin.Edge("", "1.0.0");
  e.Sql("rep.table", "log table",
        "CREATE TABLE IF NOT EXISTS rep_log (seq INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20))", sdk::kDdl);
  e.Sql("rep.edge", "an edge step", "INSERT INTO rep_log (what) VALUES ('edge')");
  plugin.Repeatable("rep.before", "before the path",
                    "CREATE TABLE IF NOT EXISTS rep_log (seq INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20));\n"
                    "INSERT INTO rep_log (what) VALUES ('before')",
                    sdk::kRunBefore | sdk::kDdl);
  plugin.Repeatable("rep.view", "after the path", VIEW_SQL ";\nINSERT INTO rep_log (what) VALUES ('after')",
                    sdk::kRunAfter | sdk::kDdl);
}
#elif defined(FIXTURE_REPEATABLE_NO_WHEN)
CHIMP_PLUGIN("repeatable-no-when", "1.0.0", "a repeatable without kRunBefore/kRunAfter") {
  plugin.Edge("", "1.0.0").Sql("rnw.a", "a", "SELECT 1");
  plugin.Repeatable("rnw.r", "r", "SELECT 1", sdk::kDdl);
}
#elif defined(FIXTURE_RUN_FLAG_ON_EDGE)
CHIMP_PLUGIN("run-flag-on-edge", "1.0.0", "an edge step with kRunAfter") {
  plugin.Edge("", "1.0.0").Sql("rfe.a", "a", "SELECT 1", sdk::kRunAfter);
}
#elif defined(FIXTURE_PREFLIGHT_ON_SQL)
CHIMP_PLUGIN("preflight-on-sql", "1.0.0", "a SQL step with kPreflight") {
  plugin.Edge("", "1.0.0").Sql("pos.a", "a", "SELECT 1", sdk::kPreflight);
}
#else
// Every ABI 1.1 field, for the loader test.
CHIMP_PLUGIN("abi-1-1", "1.1.0", "every ABI 1.1 field") {
  plugin.MinHostMinor(1);
  plugin.SessionSql("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
  plugin.LegacyVersionQuery("SELECT MAX(version) FROM cloud.version");
  plugin.RerunnableCalls("idempotent_*,  Cloud.ADD_Mapping");  // ABI 1.2
  auto& e = plugin.Edge("", "1.0.0", "base");
  e.Sql("abi11.plain", "defaults", "CREATE TABLE a (id INT)", sdk::kDdl);
  e.Sql("abi11.runner", "ScriptRunner, database, session, warnings fatal", "INSERT INTO a\n  VALUES (1);\n",
        sdk::Dialect(sdk::kScriptRunner) | sdk::Database("cloud") |
            sdk::SessionSql("SET SESSION foreign_key_checks = 0") | sdk::kWarningsFatal);
  e.Sql("abi11.nodb", "no database", "SELECT 1", sdk::Database("") | sdk::kClientDialect);
  e.Check("abi11.preflight", "a pre-flight check", "SELECT 1", sdk::kPreflight);  // ABI 1.3
  plugin.Repeatable("abi11.procs", "procedures", "DROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p() BEGIN END;\n",
                    sdk::kRunBefore | sdk::kDdl | sdk::Dialect(sdk::kScriptRunner));
  plugin.Repeatable("abi11.views", "views", "CREATE OR REPLACE VIEW v AS SELECT 1", sdk::kRunAfter | sdk::kDdl);
  plugin.Repeatable(
      "abi11.native", "native", "rev:3", [](sdk::Context&) {}, sdk::kRunAfter);
}
#endif
