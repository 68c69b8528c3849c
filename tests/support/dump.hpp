// An exact, comparable text of what a bundle wrote on the test server, for
// the fault-injection harness (tests/integration/fault). Test support, not a
// core API. [main-thread]
//
// The dump holds, per schema: SHOW CREATE TABLE of every table and view
// (AUTO_INCREMENT= counters kept), every row with its ids (rows sorted as
// text, nothing remapped), routines, triggers and events; then SHOW GRANTS of
// the accounts named. Only the values a run makes afresh are masked: a time
// stamped today (NOW() in a step) as <today>, a UUID (UUID()) as <uuid>. Two runs into databases of different names
// compare equal because the `target` schema is written as <target> throughout.
#ifndef CHIMP_TESTS_SUPPORT_DUMP_HPP_
#define CHIMP_TESTS_SUPPORT_DUMP_HPP_

#include <string>
#include <vector>

#include "chimp/connection.hpp"

namespace chimp::test {

struct DumpScope {
  std::vector<std::string> schemas;  // dumped in this order; absent ones say so
  std::string target;                // written as <target>; "" = none
  std::vector<std::string> users;    // account names (every host) whose grants are dumped
};

// The exact dump of `scope`. Throws std::runtime_error naming the query when
// one fails.
std::string ExactDump(Connection& conn, const DumpScope& scope);

// "" when equal, else the 1-based number and both texts of the first
// differing line: what a report prints for a diverged kill.
std::string FirstDifference(const std::string& expected, const std::string& actual);

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_DUMP_HPP_
