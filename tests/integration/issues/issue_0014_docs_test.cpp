// Issue 14.7, "docs that match the program": doc/plugins.md's example of
// every kind of step is a file the tests compile (the doc_every_step
// fixture, doc/examples/every_step.cpp), shown on the page as it is, and it
// migrates a real database as the page says: the base edge, typed
// operations, native code, checks, a repeatable view, and a cleanup step
// that waits for `migrate --phase cleanup`.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"

namespace chimp {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(CHIMP_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("issue 14.7: doc/plugins.md shows doc/examples/every_step.cpp as it is") {
  const std::string example = ReadSource("doc/examples/every_step.cpp");
  const std::string page = ReadSource("doc/plugins.md");
  CHECK_MESSAGE(test::Contains(page, "```cpp\n" + example + "```\n"),
                "doc/plugins.md must show doc/examples/every_step.cpp verbatim in a ```cpp block");
}

#ifdef CHIMP_BINARY

TEST_CASE("issue 14.7: the every-step example migrates, and its cleanup step waits for --phase cleanup") {
  const test::Target target("i14_doc_every");
  const std::string plugins = test::FixtureDir("doc_every_step");
  auto run = [&](std::vector<std::string> args) {
    return test::ChimpOnServer(test::Args(
        {target.Common(args[0]), {"--plugins", plugins}, std::vector<std::string>(args.begin() + 1, args.end())}));
  };
  test::CliRun migrated = run({"migrate"});
  REQUIRE_MESSAGE(migrated.code == 0, migrated.err);
  CHECK(test::Scalar(target.db, "SELECT COUNT(*) FROM books") == "2");
  CHECK(test::Scalar(target.db, "SELECT version FROM library_version") == "1.1.0");
  CHECK(test::Scalar(target.db,
                     "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = 'loans' AND COLUMN_NAME IN ('due_at', 'returned_at')") == "2");
  CHECK(test::Scalar(target.db,
                     "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = 'overdue'") == "1");
  test::CliRun log = run({"log"});
  CHECK_MESSAGE(test::Contains(log.out, "2026-11-02"), log.out);
  test::CliRun cleanup = run({"migrate", "--phase", "cleanup"});
  REQUIRE_MESSAGE(cleanup.code == 0, cleanup.err);
  CHECK(test::Scalar(target.db,
                     "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = 'loans' AND COLUMN_NAME = 'returned_at'") == "0");
  test::CliRun status = run({"status"});
  CHECK_MESSAGE(status.code == 0, status.err);
}

#endif  // CHIMP_BINARY

}  // namespace
}  // namespace chimp
