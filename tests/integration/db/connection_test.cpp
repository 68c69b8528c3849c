#include "chimp/connection.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using test::TestServer;

// A connection with a fresh, created database as its default.
std::unique_ptr<Connection> FreshConnection(const char* prefix) {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase(prefix);
  auto admin = server.Connect();
  auto created = admin->Execute("CREATE DATABASE " + Connection::QuoteIdentifier(db));
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  return server.Connect(db);
}

TEST_CASE("connection: connects over the unix socket") {
  TestServer& server = TestServer::Shared();
  auto conn = Connection::Open(server.Options());
  REQUIRE_MESSAGE(conn.ok(), conn.status().ToString());
  auto& c = **conn;
  CHECK(c.IsMariaDB());
  CHECK(c.ServerVersion().find("MariaDB") != std::string::npos);
  CHECK(c.Describe() == "socket " + server.socket() + " as root");

  auto id = c.QueryScalar("SELECT CONNECTION_ID()");
  REQUIRE(id.ok());
  REQUIRE(id->has_value());
  CHECK(static_cast<uint64_t>((*id)->i64) == c.ThreadId());

  auto charset = c.QueryScalar("SELECT @@character_set_connection");
  REQUIRE(charset.ok());
  CHECK((*charset)->text == "utf8mb4");
  auto autocommit = c.QueryScalar("SELECT @@autocommit");
  REQUIRE(autocommit.ok());
  CHECK((*autocommit)->i64 == 1);
}

TEST_CASE("connection: reads [client] and [chimp] from the default option file") {
  TestServer& server = TestServer::Shared();
  char home_template[] = "/tmp/chimp-home-XXXXXX";
  REQUIRE(mkdtemp(home_template) != nullptr);
  std::string home = home_template;
  {
    std::ofstream cnf(home + "/.my.cnf");
    cnf << "[client]\nuser=root\ndefault-character-set=latin1\n"
        << "[chimp]\nsocket=" << server.socket() << "\n";
  }
  const char* old_home = std::getenv("HOME");
  std::string saved = old_home != nullptr ? old_home : "";
  setenv("HOME", home.c_str(), 1);

  ConnectionOptions o;
  o.host = "";
  o.read_default_option_file = true;
  auto conn = Connection::Open(o);

  if (old_home != nullptr) {
    setenv("HOME", saved.c_str(), 1);
  } else {
    unsetenv("HOME");
  }
  std::filesystem::remove_all(home);

  REQUIRE_MESSAGE(conn.ok(), conn.status().ToString());
  CHECK((*conn)->Describe() == "socket " + server.socket() + " as root");
  auto charset = (*conn)->QueryScalar("SELECT @@character_set_connection");
  REQUIRE(charset.ok());
  CHECK((*charset)->text == "utf8mb4");  // not the file's latin1
}

TEST_CASE("connection: a missing socket is Unavailable and names the path") {
  ConnectionOptions o;
  o.socket = "/nonexistent/chimp-test/no.sock";
  o.user = "root";
  o.password = "s3cret-pw";
  auto conn = Connection::Open(o);
  REQUIRE_FALSE(conn.ok());
  CHECK(conn.status().code() == StatusCode::kUnavailable);
  CHECK(conn.status().message().find("/nonexistent/chimp-test/no.sock") != std::string::npos);
  CHECK(conn.status().message().find("2002") != std::string::npos);
  CHECK(conn.status().message().find("s3cret-pw") == std::string::npos);
}

TEST_CASE("connection: an unknown user is a DatabaseError") {
  ConnectionOptions o = TestServer::Shared().Options();
  o.user = "no_such_user";
  o.password = "s3cret-pw";
  auto conn = Connection::Open(o);
  REQUIRE_FALSE(conn.ok());
  CHECK(conn.status().code() == StatusCode::kDatabaseError);
  CHECK(conn.status().message().find("1045") != std::string::npos);
  CHECK(conn.status().message().find("no_such_user") != std::string::npos);
  CHECK(conn.status().message().find("s3cret-pw") == std::string::npos);
}

TEST_CASE("connection: Execute runs DDL and DML and reports affected rows") {
  auto conn = FreshConnection("conn_exec");
  REQUIRE(conn->Execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))").ok());
  auto ins = conn->Execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  REQUIRE_MESSAGE(ins.ok(), ins.status().ToString());
  CHECK(ins->affected_rows == 3);
  CHECK(ins->warning_count == 0);
  auto upd = conn->Execute("UPDATE t SET name = 'z' WHERE id >= 2");
  REQUIRE(upd.ok());
  CHECK(upd->affected_rows == 2);
  REQUIRE(conn->Execute("ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 7").ok());
  auto sum = conn->QueryScalar("SELECT SUM(n) FROM t");
  REQUIRE(sum.ok());
  CHECK((*sum)->ToString() == "21");
  // A SELECT through Execute is drained; the connection stays usable.
  REQUIRE(conn->Execute("SELECT * FROM t").ok());
  CHECK(conn->QueryScalar("SELECT COUNT(*) FROM t")->value().i64 == 3);
}

TEST_CASE("connection: CALL with two result sets is drained") {
  auto conn = FreshConnection("conn_call");
  REQUIRE(conn->Execute("CREATE TABLE t (id INT)").ok());
  REQUIRE(conn->Execute("CREATE PROCEDURE two_sets() BEGIN "
                        "SELECT 1 AS a; SELECT 2 AS b, 3 AS c; INSERT INTO t VALUES (42); END")
              .ok());
  auto call = conn->Execute("CALL two_sets()");
  REQUIRE_MESSAGE(call.ok(), call.status().ToString());
  // The next statement works (no "commands out of sync").
  auto count = conn->QueryScalar("SELECT COUNT(*) FROM t");
  REQUIRE_MESSAGE(count.ok(), count.status().ToString());
  CHECK((*count)->i64 == 1);

  // Query returns the first set and drains the rest, both protocols.
  auto q = conn->Query("CALL two_sets()");
  REQUIRE_MESSAGE(q.ok(), q.status().ToString());
  REQUIRE(q->rows.size() == 1);
  CHECK(q->columns == std::vector<std::string>{"a"});
  CHECK(q->rows[0][0].i64 == 1);
  REQUIRE(conn->Execute("CREATE PROCEDURE echo_twice(IN x INT) BEGIN "
                        "SELECT x AS a; SELECT x + 1 AS b; END")
              .ok());
  std::array<Value, 1> p = {Value::Int(5)};
  auto q2 = conn->Query("CALL echo_twice(?)", p);
  REQUIRE_MESSAGE(q2.ok(), q2.status().ToString());
  REQUIRE(q2->rows.size() == 1);
  CHECK(q2->rows[0][0].i64 == 5);
  auto e2 = conn->Execute("CALL echo_twice(?)", p);
  REQUIRE_MESSAGE(e2.ok(), e2.status().ToString());
  CHECK(conn->QueryScalar("SELECT COUNT(*) FROM t")->value().i64 == 2);
}

TEST_CASE("connection: typed parameters round-trip") {
  auto conn = FreshConnection("conn_params");
  REQUIRE(conn->Execute("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, i BIGINT, d DOUBLE, "
                        "s TEXT, b BLOB)")
              .ok());
  const std::string text_with_nul("it's \"quoted\"\\ \0 and after", 27);
  const std::string bytes("\x00\xff\x01\x80'", 5);
  std::array<Value, 4> row1 = {Value::Int(-9007199254740993LL), Value::Double(3.25), Value::Text(text_with_nul),
                               Value::Bytes(bytes)};
  std::array<Value, 4> row2 = {Value::Null(), Value::Null(), Value::Null(), Value::Null()};
  auto ins = conn->Execute("INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)", row1);
  REQUIRE_MESSAGE(ins.ok(), ins.status().ToString());
  CHECK(ins->affected_rows == 1);
  REQUIRE(conn->Execute("INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)", row2).ok());

  for (bool prepared : {false, true}) {
    CAPTURE(prepared);
    std::array<Value, 1> zero = {Value::Int(0)};
    auto rows = prepared ? conn->Query("SELECT i, d, s, b FROM t WHERE id > ? ORDER BY id", zero)
                         : conn->Query("SELECT i, d, s, b FROM t ORDER BY id");
    REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
    REQUIRE(rows->rows.size() == 2);
    const Row& r = rows->rows[0];
    CHECK(r[0].type == Value::Type::kInt64);
    CHECK(r[0].i64 == -9007199254740993LL);
    CHECK(r[1].type == Value::Type::kDouble);
    CHECK(r[1].f64 == 3.25);
    CHECK(r[2].type == Value::Type::kText);
    CHECK(r[2].text == text_with_nul);
    CHECK(r[3].type == Value::Type::kBytes);
    CHECK(r[3].text == bytes);
    for (const Value& v : rows->rows[1]) CHECK(v.is_null());
  }

  // Parameters in a WHERE clause match exactly.
  std::array<Value, 1> key = {Value::Text(text_with_nul)};
  auto found = conn->QueryScalar("SELECT id FROM t WHERE s = ?", key);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->i64 == 1);

  // Wrong parameter count.
  auto bad = conn->Execute("INSERT INTO t (i) VALUES (?)", row1);
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("connection: result cells are typed from column types") {
  auto conn = FreshConnection("conn_types");
  REQUIRE(conn->Execute("CREATE TABLE t (ti TINYINT, ui INT UNSIGNED, bu BIGINT UNSIGNED, "
                        "f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), dt DATETIME, vc VARCHAR(10), "
                        "vb VARBINARY(10), bi BINARY(3), bt BIT(8), js JSON, tx LONGTEXT)")
              .ok());
  const std::string long_text(70000, 'x');
  std::array<Value, 1> p = {Value::Text(long_text)};
  REQUIRE(conn->Execute("INSERT INTO t VALUES (-5, 4000000000, 18446744073709551615, 1.5, "
                        "2.25, 12.50, '2024-01-02 03:04:05', 'héllo', 'ab', 'xy', b'00000101', "
                        "'{\"a\": 1}', ?)",
                        p)
              .ok());
  for (bool prepared : {false, true}) {
    CAPTURE(prepared);
    std::array<Value, 1> one = {Value::Int(1)};
    auto q = prepared ? conn->Query("SELECT * FROM t WHERE 1 = ?", one) : conn->Query("SELECT * FROM t");
    REQUIRE_MESSAGE(q.ok(), q.status().ToString());
    CHECK(q->columns.size() == 13);
    CHECK(q->columns[0] == "ti");
    REQUIRE(q->rows.size() == 1);
    const Row& r = q->rows[0];
    CHECK(r[0].type == Value::Type::kInt64);
    CHECK(r[0].i64 == -5);
    CHECK(r[1].type == Value::Type::kInt64);
    CHECK(r[1].i64 == 4000000000LL);
    CHECK(r[2].type == Value::Type::kText);  // above INT64_MAX
    CHECK(r[2].text == "18446744073709551615");
    CHECK(r[3].type == Value::Type::kDouble);
    CHECK(r[3].f64 == 1.5);
    CHECK(r[4].type == Value::Type::kDouble);
    CHECK(r[4].f64 == 2.25);
    CHECK(r[5].type == Value::Type::kText);
    CHECK(r[5].text == "12.50");
    CHECK(r[6].type == Value::Type::kText);
    CHECK(r[6].text == "2024-01-02 03:04:05");
    CHECK(r[7].type == Value::Type::kText);
    CHECK(r[7].text == "héllo");
    CHECK(r[8].type == Value::Type::kBytes);
    CHECK(r[8].text == "ab");
    CHECK(r[9].type == Value::Type::kBytes);
    CHECK(r[9].text == std::string("xy\0", 3));  // BINARY pads with NULs
    CHECK(r[10].type == Value::Type::kBytes);
    CHECK(r[10].text == std::string("\x05", 1));
    CHECK(r[11].type == Value::Type::kText);
    CHECK(r[12].type == Value::Type::kText);
    CHECK(r[12].text == long_text);
  }
  auto null = conn->QueryScalar("SELECT NULL");
  REQUIRE(null.ok());
  CHECK((*null)->is_null());
  auto none = conn->QueryScalar("SELECT 1 FROM t WHERE 1 = 0");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("connection: QueryEach stops early and leaves the connection usable") {
  auto conn = FreshConnection("conn_each");
  REQUIRE(conn->Execute("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  auto filled = conn->Execute("INSERT INTO t SELECT seq FROM seq_1_to_5000");
  REQUIRE_MESSAGE(filled.ok(), filled.status().ToString());
  for (bool prepared : {false, true}) {
    CAPTURE(prepared);
    std::vector<int64_t> seen;
    std::array<Value, 1> zero = {Value::Int(0)};
    std::span<const Value> params;
    if (prepared) params = zero;
    Status s = conn->QueryEach(prepared ? "SELECT id FROM t WHERE id > ? ORDER BY id" : "SELECT id FROM t ORDER BY id",
                               params, [&](const Row& row) {
                                 seen.push_back(row[0].i64);
                                 return seen.size() < 3;
                               });
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    CHECK(seen == std::vector<int64_t>{1, 2, 3});
    auto count = conn->QueryScalar("SELECT COUNT(*) FROM t");
    REQUIRE_MESSAGE(count.ok(), count.status().ToString());
    CHECK((*count)->i64 == 5000);
  }
}

TEST_CASE("connection: warnings are reported") {
  auto conn = FreshConnection("conn_warn");
  REQUIRE(conn->Execute("SET SESSION sql_mode = ''").ok());
  REQUIRE(conn->Execute("CREATE TABLE t (a VARCHAR(3))").ok());
  auto ins = conn->Execute("INSERT INTO t VALUES ('abcdef')");
  REQUIRE_MESSAGE(ins.ok(), ins.status().ToString());
  CHECK(ins->warning_count == 1);
  auto w = conn->Warnings();
  REQUIRE(w.ok());
  REQUIRE(w->size() == 1);
  CHECK((*w)[0] == "Warning 1265 Data truncated for column 'a' at row 1");
}

TEST_CASE("connection: transactions commit and roll back") {
  auto conn = FreshConnection("conn_tx");
  REQUIRE(conn->Execute("CREATE TABLE t (id INT) ENGINE=InnoDB").ok());
  REQUIRE(conn->Begin().ok());
  REQUIRE(conn->Execute("INSERT INTO t VALUES (1)").ok());
  REQUIRE(conn->Rollback().ok());
  CHECK(conn->QueryScalar("SELECT COUNT(*) FROM t")->value().i64 == 0);
  REQUIRE(conn->Begin().ok());
  REQUIRE(conn->Execute("INSERT INTO t VALUES (1)").ok());
  REQUIRE(conn->Commit().ok());
  CHECK(conn->QueryScalar("SELECT COUNT(*) FROM t")->value().i64 == 1);
}

TEST_CASE("connection: QuoteString and QuoteIdentifier") {
  auto conn = TestServer::Shared().Connect();
  const std::string tricky("a'b\"c\\d\0e\nf", 11);
  std::string literal = conn->QuoteString(tricky);
  CHECK(literal.front() == '\'');
  CHECK(literal.back() == '\'');
  auto back = conn->QueryScalar("SELECT " + literal);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK((*back)->text == tricky);

  REQUIRE(conn->Execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'").ok());
  auto back2 = conn->QueryScalar("SELECT " + conn->QuoteString("it's a\\b"));
  REQUIRE_MESSAGE(back2.ok(), back2.status().ToString());
  CHECK((*back2)->text == "it's a\\b");

  CHECK(Connection::QuoteIdentifier("users") == "`users`");
  CHECK(Connection::QuoteIdentifier("we`ird") == "`we``ird`");
  auto ident = conn->Query("SELECT 1 AS " + Connection::QuoteIdentifier("we`ird name"));
  REQUIRE(ident.ok());
  CHECK(ident->columns[0] == "we`ird name");
}

TEST_CASE("connection: server errors name the number, state, statement and text") {
  auto conn = FreshConnection("conn_err");
  auto r = conn->Execute("ALTER TABLE users ADD COLUMN");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kDatabaseError);
  const std::string msg = r.status().message();
  CHECK(msg.rfind("server error 1064 (42000) on 'ALTER TABLE users ADD COLUMN': You have an error", 0) == 0);
  CHECK(r.status().server_errno() == 1064);
  CHECK(r.status().sqlstate() == "42000");

  // Long statements are shortened, whitespace collapsed.
  std::string long_sql = "SELECT\n\n   nope_" + std::string(400, 'x') + " FROM dual";
  auto r2 = conn->Query(long_sql);
  REQUIRE_FALSE(r2.ok());
  const std::string msg2 = r2.status().message();
  CHECK(msg2.rfind("server error 1054 (42S22) on 'SELECT nope_xxx", 0) == 0);
  CHECK(msg2.find("\xE2\x80\xA6': Unknown column") != std::string::npos);
  // The statement part is at most ~200 characters (the server's text repeats the column).
  CHECK(msg2.find("': Unknown column") < 250);

  // Prepared statements report the same way; the connection stays usable.
  std::array<Value, 1> p = {Value::Int(1)};
  auto r3 = conn->Query("SELECT * FROM missing_table WHERE id = ?", p);
  REQUIRE_FALSE(r3.ok());
  CHECK(r3.status().message().rfind("server error 1146 (42S02) on 'SELECT * FROM missing_table WHERE id = ?': Table",
                                    0) == 0);
  CHECK(r3.status().server_errno() == 1146);
  CHECK(r3.status().sqlstate() == "42S02");
  CHECK(conn->QueryScalar("SELECT 1")->value().i64 == 1);
}

TEST_CASE("connection: a killed session is Unavailable") {
  TestServer& server = TestServer::Shared();
  auto victim = server.Connect();
  auto killer = server.Connect();
  REQUIRE(killer->Execute("KILL " + std::to_string(victim->ThreadId())).ok());
  auto r = victim->Query("SELECT 1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("value: ToString") {
  CHECK(Value::Null().ToString().empty());
  CHECK(Value::Int(-42).ToString() == "-42");
  CHECK(Value::Double(0.1).ToString() == "0.1");
  CHECK(Value::Double(3).ToString() == "3");
  CHECK(Value::Text("abc").ToString() == "abc");
  CHECK(Value::Bytes(std::string("\0x", 2)).ToString() == std::string("\0x", 2));
}

}  // namespace
}  // namespace chimp
