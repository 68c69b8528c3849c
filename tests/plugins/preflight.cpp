// Issue 12 item 1 (tests/integration/issues/issue_0012_preflight_test.cpp):
// pre-flight checks over the whole path. Edges
//   "" -> 1.0.0     pf_authors (name may be NULL) with two authors
//   1.0.0 -> 1.1.0  a write step (pf_books, one row per author), then a
//                   trailing check (a sanity check of 1.1.0); a pre-flight
//                   check that pf_authors has a row
//   1.1.0 -> 1.2.0  pre-flight checks on the data as it is before the run:
//                   no author without a name, none with a name over 40
//                   characters (a function check); then name NOT NULL
// FIXTURE_PREFLIGHT_CHANGED: the same, with the write step of 1.1.0 changed
// (a checksum mismatch once 1.1.0 is applied).
// FIXTURE_PREFLIGHT_WRITES: the same, with a pre-flight check of 1.2.0 that
// breaks the rule and writes (chimp's read-only check session refuses it).
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

#if defined(FIXTURE_PREFLIGHT_CHANGED)
#define PF_BOOKS_COMMENT "-- changed after it was applied\n"
#else
#define PF_BOOKS_COMMENT ""
#endif

CHIMP_PLUGIN("preflight", "1.2.0", "pre-flight checks over the whole path") {
  plugin.Edge("", "1.0.0", "authors")
      .Sql("pf.1.0.0.authors", "pf_authors", "CREATE TABLE pf_authors (id INT PRIMARY KEY, name VARCHAR(60) NULL)",
           sdk::kDdl)
      .Sql("pf.1.0.0.seed", "two authors", "INSERT INTO pf_authors VALUES (1, 'Ada'), (2, 'Grace')");
  plugin.Edge("1.0.0", "1.1.0", "books")
      .Check("pf.1.1.0.has-authors", "pf_authors has a row", "SELECT COUNT(*) > 0 FROM pf_authors", sdk::kPreflight)
      .Sql("pf.1.1.0.books", "pf_books, one per author",
           PF_BOOKS_COMMENT
           "CREATE TABLE pf_books (id INT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(80));\n"
           "INSERT INTO pf_books SELECT id, id, CONCAT('Notes of ', COALESCE(name, '?')) FROM pf_authors;\n",
           sdk::kDdl)
      .Check("pf.1.1.0.books-exist", "pf_books has a row", "SELECT COUNT(*) > 0 FROM pf_books");
  plugin.Edge("1.1.0", "1.2.0", "names required")
      .Check("pf.1.2.0.names", "every author has a name", "SELECT COUNT(*) = 0 FROM pf_authors WHERE name IS NULL",
             sdk::kPreflight)
      .Check(
          "pf.1.2.0.short-names", "no name over 40 characters", "rev:1",
          [](sdk::Context& ctx) {
            const auto long_names =
                ctx.Scalar<int64_t>("SELECT COUNT(*) FROM pf_authors WHERE CHAR_LENGTH(name) > 40").value_or(0);
            if (long_names > 0) {
              throw sdk::CheckFailed(std::to_string(long_names) +
                                     " author name(s) are longer than 40 characters; shorten them first");
            }
            return true;
          },
          sdk::kPreflight)
#if defined(FIXTURE_PREFLIGHT_WRITES)
      .Check(
          "pf.1.2.0.writes", "a check that writes", "rev:1",
          [](sdk::Context& ctx) {
            ctx.Execute("UPDATE pf_authors SET name = 'changed by a check'");
            return true;
          },
          sdk::kPreflight)
#endif
      .Sql("pf.1.2.0.not-null", "name NOT NULL", "ALTER TABLE pf_authors MODIFY name VARCHAR(40) NOT NULL", sdk::kDdl);
}
