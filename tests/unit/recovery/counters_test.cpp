#include "recovery/counters.hpp"

#include <doctest/doctest.h>

#include "sql/statement_info.hpp"

namespace chimp::internal {
namespace {

TEST_CASE("counters: the checkpoint text round-trips, quoting included") {
  const std::vector<TableCounter> counters = {{"cloud", "hypervisor_capabilities", 25}, {"a`b", "t=1", 1}};
  const std::string text = EncodeCounters(counters);
  CHECK(text == "`cloud`.`hypervisor_capabilities`=25\n`a``b`.`t=1`=1");
  auto decoded = DecodeCounters(text);
  REQUIRE(decoded.ok());
  CHECK(*decoded == counters);
  CHECK(DecodeCounters("")->empty());
}

TEST_CASE("counters: a checkpoint that is not in the format names the line") {
  for (const char* bad : {"cloud.t=1", "`cloud`.`t`", "`cloud`.`t`=x", "`cloud`.`t`=1 ", "`cloud`=1"}) {
    CAPTURE(bad);
    auto decoded = DecodeCounters(bad);
    REQUIRE(!decoded.ok());
    CHECK(decoded.status().message().find(bad) != std::string::npos);
  }
}

TEST_CASE("counters: the table an INSERT, REPLACE or LOAD DATA takes ids of") {
  auto table = [](const char* sql) { return Classify(sql).inserted_table; };
  CHECK(table("INSERT INTO t (a) VALUES (1)") == DdlObject{DdlObject::Kind::kTable, "", "t"});
  CHECK(table("insert ignore `cloud`.`hypervisor_capabilities` values (25)") ==
        DdlObject{DdlObject::Kind::kTable, "cloud", "hypervisor_capabilities"});
  CHECK(table("INSERT LOW_PRIORITY IGNORE INTO s.t SELECT * FROM u") == DdlObject{DdlObject::Kind::kTable, "s", "t"});
  CHECK(table("REPLACE INTO t VALUES (1)") == DdlObject{DdlObject::Kind::kTable, "", "t"});
  CHECK(table("LOAD DATA LOCAL INFILE 'f' IGNORE INTO TABLE s.t") == DdlObject{DdlObject::Kind::kTable, "s", "t"});
  CHECK_FALSE(table("UPDATE t SET a = 1").has_value());
  CHECK_FALSE(table("SELECT 1").has_value());
}

}  // namespace
}  // namespace chimp::internal
