// An exact, comparable text of what a bundle wrote on the test server, for
// the fault-injection harness (tests/integration/fault): per schema, SHOW
// CREATE TABLE of every table and view (AUTO_INCREMENT= counters kept), every
// row with its ids (sorted, nothing remapped), routines, triggers and events;
// then SHOW GRANTS of every account except root and the system accounts.
// Only values stamped today (NOW() in a step) are masked as <today>.
#pragma once

#include <string>
#include <vector>

#include "chimp/connection.hpp"

namespace chimp::test {

// Every schema on the server except mysql, information_schema,
// performance_schema, sys and the names in `skip` (the changelog schema,
// other tests' databases), sorted.
std::vector<std::string> WrittenSchemas(Connection& conn, const std::vector<std::string>& skip);

// The exact dump of `schemas` and of the non-root accounts. Throws
// std::runtime_error naming the query when one fails.
std::string ExactDump(Connection& conn, const std::vector<std::string>& schemas);

// "" when equal, else the 1-based number and both texts of the first
// differing line: what a report prints for a diverged kill.
std::string FirstDifference(const std::string& expected, const std::string& actual);

}  // namespace chimp::test
