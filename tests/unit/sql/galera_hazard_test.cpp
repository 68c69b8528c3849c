// What Galera refuses or mishandles, read from a statement's tokens
// (sql/galera_hazard.hpp) by the classifier.
#include "sql/galera_hazard.hpp"

#include <doctest/doctest.h>

#include <string>

#include "sql/statement_info.hpp"

namespace chimp::internal {
namespace {

GaleraHazard::Kind KindOf(const char* sql) { return Classify(std::string_view(sql)).galera.kind; }
std::string WhyOf(const char* sql) { return Classify(std::string_view(sql)).galera.why; }

constexpr auto kNone = GaleraHazard::Kind::kNone;
constexpr auto kRefused = GaleraHazard::Kind::kRefused;
constexpr auto kWarning = GaleraHazard::Kind::kWarning;

}  // namespace

TEST_CASE("galera hazard: LOCK TABLES, other engines than InnoDB, GET_LOCK and RSU are refused") {
  CHECK(KindOf("LOCK TABLES t WRITE") == kRefused);
  CHECK(KindOf("lock table t read") == kRefused);
  CHECK(KindOf("UNLOCK TABLES") == kNone);
  CHECK(KindOf("CREATE TABLE m (id INT PRIMARY KEY) ENGINE=MyISAM") == kRefused);
  CHECK(WhyOf("CREATE TABLE m (id INT PRIMARY KEY) ENGINE=MyISAM").rfind("ENGINE=MYISAM: ", 0) == 0);
  CHECK(KindOf("CREATE TABLE m (id INT PRIMARY KEY) ENGINE Aria") == kRefused);
  CHECK(KindOf("ALTER TABLE m ENGINE = 'MEMORY'") == kRefused);
  CHECK(KindOf("CREATE OR REPLACE TABLE m (id INT PRIMARY KEY) ENGINE=`Aria`") == kRefused);
  CHECK(KindOf("SELECT GET_LOCK('x', 10)") == kRefused);
  CHECK(KindOf("DO get_lock('x', 10)") == kRefused);
  CHECK(KindOf("SET SESSION wsrep_OSU_method = 'RSU'") == kRefused);
  CHECK(KindOf("SET @@session.wsrep_OSU_method = RSU") == kRefused);
  CHECK(KindOf("SET wsrep_on = OFF") == kRefused);
  CHECK(KindOf("SET wsrep_OSU_method = 'TOI'") == kNone);
  CHECK(KindOf("SET wsrep_on = ON") == kNone);
}

TEST_CASE("galera hazard: InnoDB, temporary tables and look-alike names pass; a table without a key warns") {
  CHECK(KindOf("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB") == kNone);
  CHECK(KindOf("CREATE TABLE t (id INT PRIMARY KEY)") == kNone);
  CHECK(KindOf("ALTER TABLE t ENGINE=InnoDB, ADD COLUMN b INT") == kNone);
  CHECK(KindOf("CREATE TEMPORARY TABLE tmp (a INT) ENGINE=MEMORY") == kNone);
  // A column called `engine`, a comment naming MyISAM, a string with GET_LOCK.
  CHECK(KindOf("CREATE TABLE t (id INT PRIMARY KEY, engine VARCHAR(16), note VARCHAR(9) DEFAULT 'MyISAM')") == kNone);
  CHECK(KindOf("INSERT INTO t (note) VALUES ('GET_LOCK(1)')") == kNone);
  CHECK(KindOf("CREATE VIEW v AS SELECT 1") == kNone);
  CHECK(KindOf("CREATE TABLE t2 LIKE t") == kNone);
  CHECK(KindOf("CREATE TABLE np (a INT)") == kWarning);
  CHECK(WhyOf("CREATE TABLE np (a INT)").rfind("the table has no PRIMARY KEY", 0) == 0);
  CHECK(KindOf("ALTER TABLE np ADD COLUMN b INT") == kNone);
}

}  // namespace chimp::internal
