// DDL probe fingerprints against the real server: they change exactly when
// the statement they guard takes effect.
#include "recovery/probe.hpp"

#include <doctest/doctest.h>

#include "support/mariadb_server.hpp"

namespace chimp::internal {
namespace {

std::string Fingerprint(Connection& conn, const std::string& statement) {
  auto fp = ProbeFingerprint(conn, ParseDdl(statement));
  REQUIRE_MESSAGE(fp.ok(), fp.status().ToString());
  CHECK(fp->rfind("sha256:", 0) == 0);
  return *fp;
}

void Run(Connection& conn, const std::string& sql) {
  auto r = conn.Execute(sql);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
}

TEST_CASE("ddl probe: a fingerprint changes when the statement takes effect, not otherwise") {
  auto& server = test::TestServer::Shared();
  const std::string db = server.FreshDatabase("probe");
  auto conn = server.Connect();
  Run(*conn, "CREATE DATABASE " + Connection::QuoteIdentifier(db));
  Run(*conn, "USE " + Connection::QuoteIdentifier(db));

  const std::string create = "CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT)";
  const std::string before_create = Fingerprint(*conn, create);
  CHECK(Fingerprint(*conn, create) == before_create);  // stable
  Run(*conn, create);
  const std::string after_create = Fingerprint(*conn, create);
  CHECK(after_create != before_create);

  // Data (and the AUTO_INCREMENT counter) does not move a fingerprint.
  Run(*conn, "INSERT INTO t VALUES (), (), ()");
  CHECK(Fingerprint(*conn, create) == after_create);

  const std::string alter = "ALTER TABLE t ADD COLUMN name VARCHAR(20)";
  const std::string before_alter = Fingerprint(*conn, alter);
  Run(*conn, alter);
  CHECK(Fingerprint(*conn, alter) != before_alter);

  const std::string index = "CREATE INDEX idx_name ON t (name)";
  const std::string before_index = Fingerprint(*conn, index);
  Run(*conn, index);
  CHECK(Fingerprint(*conn, index) != before_index);

  const std::string view = "CREATE VIEW v AS SELECT id FROM t";
  const std::string before_view = Fingerprint(*conn, view);
  Run(*conn, view);
  CHECK(Fingerprint(*conn, view) != before_view);

  const std::string proc = "CREATE PROCEDURE p() SELECT 1";
  const std::string before_proc = Fingerprint(*conn, proc);
  Run(*conn, proc);
  CHECK(Fingerprint(*conn, proc) != before_proc);

  const std::string rename = "RENAME TABLE t TO t2";
  const std::string before_rename = Fingerprint(*conn, rename);
  Run(*conn, rename);
  CHECK(Fingerprint(*conn, rename) != before_rename);

  const std::string drop = "DROP TABLE t2";
  const std::string before_drop = Fingerprint(*conn, drop);
  Run(*conn, drop);
  CHECK(Fingerprint(*conn, drop) != before_drop);
  // Dropped and never created look alike: both absent.
  CHECK(Fingerprint(*conn, drop) == Fingerprint(*conn, "DROP TABLE t2"));
}

}  // namespace
}  // namespace chimp::internal
