#include "lock/sessions.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

TEST_CASE("sessions: DescribeSession names the session, what it does and for how long") {
  SessionInfo alter{42, "root", "localhost", "Query", 12, "copy to tmp table", "ALTER TABLE big\n  ADD b INT", -1};
  CHECK(DescribeSession(alter) ==
        "connection 42 (root@localhost, Query for 12 s, state 'copy to tmp table': ALTER TABLE big   ADD b INT)");

  SessionInfo idle{7, "app", "web1", "Sleep", 30, "", "", 41};
  CHECK(DescribeSession(idle) == "connection 7 (app@web1, idle in transaction for 41 s)");

  SessionInfo busy{8, "app", "web1", "Query", 3, "Updating", "UPDATE t SET a = 1", 9};
  CHECK(DescribeSession(busy) ==
        "connection 8 (app@web1, Query for 3 s, in a transaction for 9 s, state 'Updating': UPDATE t SET a = 1)");
}

}  // namespace
}  // namespace chimp::internal
