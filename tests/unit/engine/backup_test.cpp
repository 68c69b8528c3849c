// The pieces of migrate --backup that need no server: the dump's arguments
// and option-file quoting. (The dump itself: tests/integration/maintenance.)
#include "engine/backup.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

TEST_CASE("backup: the dump takes a consistent snapshot with routines, triggers and events") {
  auto args = DumpArguments("app");
  // The database as a plain argument, not --databases: no CREATE DATABASE
  // or USE in the dump, so that it restores under any name (issue 12.6).
  REQUIRE(args.size() == 5);
  CHECK(args[0] == "--single-transaction");
  CHECK(args[1] == "--routines");
  CHECK(args[2] == "--triggers");
  CHECK(args[3] == "--events");
  CHECK(args[4] == "app");
  CHECK(DumpHeader("a`b", "utf8mb4", "utf8mb4_bin") ==
        "-- chimp backup of database `a``b`: character set utf8mb4, collation utf8mb4_bin; chimp restore loads it "
        "into any database\n");
}

TEST_CASE("backup: option-file values are quoted and escaped") {
  CHECK(OptionFileValue("plain") == "\"plain\"");
  CHECK(OptionFileValue("a\"b") == "\"a\\\"b\"");
  CHECK(OptionFileValue("a\\b") == "\"a\\\\b\"");
  CHECK(OptionFileValue("x#y;z 'q'") == "\"x#y;z 'q'\"");
  CHECK(OptionFileValue("l1\nl2\tt") == "\"l1\\nl2\\tt\"");
  CHECK(OptionFileValue("") == "\"\"");
}

}  // namespace
}  // namespace chimp::internal
