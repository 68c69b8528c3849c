// The typed operations (plugin-api/include/chimp/sdk/operations.hpp) on the real
// server: each one, applied twice, converges; update_rows walks a table in
// chunks, reports progress per chunk and stops when the operator cancels.
//
// "Applied twice" is tested two ways: the whole plugin (fixture ops_all)
// migrated, its changelog dropped and migrated again, which re-runs every
// step against the finished schema; and each SQL step re-sent right after
// its edge, statement by statement, as the host sends it.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "chimp/engine.hpp"
#include "chimp/loader.hpp"
#include "plugin/services.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::FixtureDir;
using test::FixtureOptions;
using test::V;

std::string FixtureFile(const std::string& name) {
  return std::filesystem::canonical(FixtureDir(name) + "/" + name + ".so").string();
}

// Every row of `sql`, each as "a|b|c" (NULL as "NULL").
std::vector<std::string> Lines(Connection& conn, const std::string& sql, const std::string& database) {
  const Value params[] = {Value::Text(database)};
  const bool has_param = sql.find('?') != std::string::npos;
  auto result = has_param ? conn.Query(sql, params) : conn.Query(sql);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString(), " in ", sql);
  std::vector<std::string> lines;
  for (const Row& row : result->rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + (row[i].is_null() ? "NULL" : row[i].ToString());
    lines.push_back(std::move(line));
  }
  return lines;
}

// What the operations act on, as lines to compare: tables and views,
// columns, indexes, constraints, view bodies and the data.
std::vector<std::string> Snapshot(const std::string& database) {
  auto conn = test::TestServer::Shared().Connect(database);
  std::vector<std::string> all;
  auto add = [&](const std::string& title, const std::string& sql) {
    all.push_back("-- " + title);
    for (std::string& line : Lines(*conn, sql, database)) all.push_back(std::move(line));
  };
  add("tables",
      "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "
      "ORDER BY TABLE_NAME");
  add("columns",
      "SELECT TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
      "EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "
      "ORDER BY TABLE_NAME, ORDINAL_POSITION");
  add("indexes",
      "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM "
      "information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, "
      "SEQ_IN_INDEX");
  add("constraints",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS "
      "WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME");
  add("views",
      "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? "
      "ORDER BY TABLE_NAME");
  add("authors", "SELECT * FROM authors ORDER BY id");
  add("books", "SELECT * FROM books ORDER BY id");
  return all;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

void MigrateAll(const EngineOptions& options, int32_t* steps_run) {
  auto expand = Migrate(options, PlanRequest{}, nullptr);
  REQUIRE_MESSAGE(expand.ok(), expand.status().ToString());
  CHECK(expand->summary.reached == V("1.1.0"));
  auto cleanup = Migrate(options, PlanRequest{std::nullopt, Phase::kCleanup}, nullptr);
  REQUIRE_MESSAGE(cleanup.ok(), cleanup.status().ToString());
  *steps_run = expand->summary.steps_run + cleanup->summary.steps_run;
}

TEST_CASE("operations: every typed operation, applied twice through migrate, converges") {
  auto& server = test::TestServer::Shared();
  const EngineOptions options = FixtureOptions(server.FreshDatabase("ops_twice"), "ops_all");
  int32_t first_run = 0;
  MigrateAll(options, &first_run);
  CHECK(first_run == 22);
  const std::vector<std::string> first = Snapshot(options.database);

  // What each operation left.
  auto conn = server.Connect(options.database);
  const auto columns = Lines(*conn,
                             "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                             "information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'books'",
                             options.database);
  CHECK(Join(columns) == "id,author_id,title,isbn,old_code,note,added_at");
  CHECK(Lines(*conn,
              "SELECT COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
              "TABLE_NAME = 'books' AND COLUMN_NAME = 'title'",
              options.database) == std::vector<std::string>{"varchar(300)|NO"});
  CHECK(Join(Lines(*conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
                   options.database)) == "authors; books; book_titles");
  CHECK(Lines(*conn, "SELECT id, name FROM authors ORDER BY id", options.database) ==
        std::vector<std::string>{"1|Ursula K. Le Guin", "2|O'Brien \\ Flann"});
  CHECK(Lines(*conn, "SELECT id, title, isbn, note, added_at FROM books ORDER BY id", options.database) ==
        std::vector<std::string>{"1|A Wizard of Earthsea|978-0553383041|updated|2026-11-21 09:30:00",
                                 "2|The Third Policeman|NULL|updated|2026-11-21 09:30:00"});
  CHECK(Lines(*conn, "SELECT id, title, isbn, author FROM book_titles ORDER BY id", options.database).size() == 2);
  CHECK(Lines(*conn,
              "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND "
              "CONSTRAINT_TYPE = 'FOREIGN KEY'",
              options.database) == std::vector<std::string>{"0"});

  // The changelog forgotten: every step runs again, on the finished schema.
  REQUIRE(conn->Execute("DROP DATABASE `" + options.changelog_schema + "`").ok());
  // The database is not empty: `chimp init` says chimp manages it from the
  // empty version (else migrate refuses, issue 12.7).
  REQUIRE(InitChangelog(options).ok());
  int32_t second_run = 0;
  MigrateAll(options, &second_run);
  CHECK(second_run == first_run);
  CHECK(Snapshot(options.database) == first);

  // Defaults written by the operations, through the server.
  REQUIRE(conn->Execute("INSERT INTO books (id, author_id, title) VALUES (3, 1, 'x')").ok());
  CHECK(Lines(*conn, "SELECT note, added_at FROM books WHERE id = 3", options.database) ==
        std::vector<std::string>{"it's a \\ \"note\"|2026-11-21 09:30:00"});
}

// Re-sends each SQL step of `edge` right after the edge ran, statement by
// statement as the executor sends them, and checks nothing changed.
void ResendEachSqlStep(const Edge& edge, const std::string& database, Phase phase) {
  const std::vector<std::string> before = Snapshot(database);
  auto conn = test::TestServer::Shared().Connect(database);
  for (const Step& step : edge.steps) {
    if (step.kind != StepKind::kSql || step.phase != phase) continue;
    CAPTURE(step.id);
    auto statements = StatementsOf(step);
    REQUIRE_MESSAGE(statements.ok(), statements.status().ToString());
    for (const std::string& sql : *statements) {
      auto done = conn->Execute(sql);
      REQUIRE_MESSAGE(done.ok(), step.id, ": ", done.status().ToString());
    }
    CHECK(Snapshot(database) == before);
  }
}

TEST_CASE("operations: each SQL operation re-sent right after its edge changes nothing") {
  auto& server = test::TestServer::Shared();
  const EngineOptions options = FixtureOptions(server.FreshDatabase("ops_resend"), "ops_all");
  auto plugin = LoadPlugin(FixtureFile("ops_all"));
  REQUIRE_MESSAGE(plugin.ok(), plugin.status().ToString());
  REQUIRE(plugin->edges.size() == 2);

  auto base = Migrate(options, PlanRequest{V("1.0.0")}, nullptr);
  REQUIRE_MESSAGE(base.ok(), base.status().ToString());
  ResendEachSqlStep(plugin->edges[0], options.database, Phase::kExpand);

  auto next = Migrate(options, PlanRequest{V("1.1.0")}, nullptr);
  REQUIRE_MESSAGE(next.ok(), next.status().ToString());
  ResendEachSqlStep(plugin->edges[1], options.database, Phase::kExpand);
  auto cleanup = Migrate(options, PlanRequest{std::nullopt, Phase::kCleanup}, nullptr);
  REQUIRE_MESSAGE(cleanup.ok(), cleanup.status().ToString());
  ResendEachSqlStep(plugin->edges[1], options.database, Phase::kCleanup);
}

// ---- update_rows ----

struct UpdateFixture {
  LoadedPlugin plugin;
  const Edge* edge = nullptr;
  const Step* Find(const std::string& id) const {
    for (const Step& s : edge->steps) {
      if (s.id == id) return &s;
    }
    FAIL("no step " << id);
    return nullptr;
  }
};

UpdateFixture LoadUpdateFixture() {
  auto loaded = LoadPlugin(FixtureFile("ops_update"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  UpdateFixture f{std::move(*loaded)};
  f.edge = &f.plugin.edges.at(0);
  return f;
}

std::string Scalar(Connection& conn, const std::string& sql) {
  auto v = conn.QueryScalar(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return v->has_value() ? (*v)->ToString() : "NULL";
}

TEST_CASE("update_rows: walks the key in chunks, one progress report per chunk, and converges") {
  auto& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase("ops_chunks");
  REQUIRE(server.Connect()->Execute("CREATE DATABASE `" + db + "`").ok());
  auto conn = server.Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE items (id BIGINT PRIMARY KEY, v INT NOT NULL DEFAULT 0, "
                        "done TINYINT NOT NULL DEFAULT 0)")
              .ok());
  std::string insert = "INSERT INTO items (id) VALUES ";
  for (int i = 1; i <= 25; ++i) insert += (i > 1 ? ", (" : "(") + std::to_string(i * 7) + ")";  // sparse keys
  REQUIRE(conn->Execute(insert).ok());

  UpdateFixture f = LoadUpdateFixture();
  const Step& step = *f.Find("ops.update.items");
  CHECK(step.description == "Update `items` SET v = id * 2, done = 1 WHERE done = 0, in chunks of 10 rows by `id`");
  std::vector<std::pair<uint64_t, uint64_t>> reports;
  NativeStepOptions opts;
  opts.progress = [&](uint64_t done, uint64_t total) { reports.emplace_back(done, total); };

  Status s = RunNativeStep(step, *f.edge, *conn, opts);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(reports == std::vector<std::pair<uint64_t, uint64_t>>{{10, 25}, {20, 25}, {25, 25}});
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM items WHERE done = 1 AND v = id * 2") == "25");

  // Again: the same chunks, nothing left to change.
  reports.clear();
  s = RunNativeStep(step, *f.edge, *conn, opts);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(reports.size() == 3);
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM items WHERE done = 1 AND v = id * 2") == "25");

  // An empty table: no chunk.
  REQUIRE(conn->Execute("DELETE FROM items").ok());
  reports.clear();
  CHECK(RunNativeStep(step, *f.edge, *conn, opts).ok());
  CHECK(reports.empty());
}

TEST_CASE("update_rows: a cancel stops after the chunk in progress, which stays committed") {
  auto& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase("ops_cancel");
  REQUIRE(server.Connect()->Execute("CREATE DATABASE `" + db + "`").ok());
  auto conn = server.Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE items (id BIGINT PRIMARY KEY, v INT NOT NULL DEFAULT 0, "
                        "done TINYINT NOT NULL DEFAULT 0)")
              .ok());
  std::string insert = "INSERT INTO items (id) VALUES ";
  for (int i = 1; i <= 25; ++i) insert += (i > 1 ? ", (" : "(") + std::to_string(i) + ")";
  REQUIRE(conn->Execute(insert).ok());

  UpdateFixture f = LoadUpdateFixture();
  const Step& step = *f.Find("ops.update.items");
  int reports = 0;
  NativeStepOptions opts;
  opts.progress = [&](uint64_t, uint64_t) { ++reports; };
  opts.cancelled = [&] { return reports >= 1; };
  Status s = RunNativeStep(step, *f.edge, *conn, opts);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kStepFailed);
  CHECK(s.message().find("cancelled by the operator") != std::string::npos);
  CHECK(reports == 1);
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM items WHERE done = 1") == "10");
  CHECK(Scalar(*conn, "SELECT MAX(id) FROM items WHERE done = 1") == "10");

  // Run again without cancelling: it finishes the rest.
  opts.cancelled = {};
  REQUIRE(RunNativeStep(step, *f.edge, *conn, opts).ok());
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM items WHERE done = 1 AND v = id * 2") == "25");
}

TEST_CASE("update_rows: a text key walks in the server's order") {
  auto& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase("ops_textkey");
  REQUIRE(server.Connect()->Execute("CREATE DATABASE `" + db + "`").ok());
  auto conn = server.Connect(db);
  REQUIRE(conn->Execute("CREATE TABLE tags (code VARCHAR(10) PRIMARY KEY, n INT NOT NULL)").ok());
  REQUIRE(conn->Execute("INSERT INTO tags VALUES ('b', 1), ('A', 1), ('c''d', 1), ('e', 1), ('f', 1), ('G', 1), "
                        "('h', 1)")
              .ok());
  UpdateFixture f = LoadUpdateFixture();
  std::vector<uint64_t> done;
  NativeStepOptions opts;
  opts.progress = [&](uint64_t d, uint64_t) { done.push_back(d); };
  Status s = RunNativeStep(*f.Find("ops.update.tags"), *f.edge, *conn, opts);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(done == std::vector<uint64_t>{3, 6, 7});
  CHECK(Scalar(*conn, "SELECT COUNT(*) FROM tags WHERE n = 2") == "7");
}

}  // namespace
}  // namespace chimp
