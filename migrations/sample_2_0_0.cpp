// Library sample app, release 2.0.0: loans get their own table (who borrowed
// what, when), replacing books.on_loan; the title index becomes
// (title, author_id). Two edges arrive here:
//   1.1.0 -> 2.0.0  for sites that never installed the 1.1.1 hotfix (5 steps)
//   1.1.1 -> 2.0.0  for sites that did: it replaces the hotfix's index (5 steps)
// From 1.1.0 the direct edge (5) is shorter than the hotfix route (1 + 5),
// and both end with the same schema.
#include <chimp/sdk/plugin.hpp>

#include <string>

namespace sdk = chimp::sdk;

namespace {

// The 2.0.0 work both edges share; step ids get the edge's prefix, since ids
// are unique across every plugin.
void LoansWork(sdk::EdgeDef& e, const std::string& prefix) {
  e.Sql(prefix + ".create-loans", "Create loans", R"sql(
CREATE TABLE loans (
  id BIGINT NOT NULL AUTO_INCREMENT,
  book_id BIGINT NOT NULL,
  borrower VARCHAR(200) NOT NULL,
  lent_at DATETIME NOT NULL,
  returned_at DATETIME NULL,
  PRIMARY KEY (id),
  KEY idx_loans_open (book_id, returned_at),
  CONSTRAINT fk_loans_book FOREIGN KEY (book_id) REFERENCES books (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
)sql",
        sdk::kDdl | sdk::ProposedAt("2026-06-15"));
  // Books lent out under 1.x become open loans; 1.x did not record who or
  // since when.
  e.Sql(prefix + ".open-loans", "Turn books.on_loan into open loans", R"sql(
INSERT INTO loans (book_id, borrower, lent_at)
SELECT b.id, '(unknown, before 2.0.0)', NOW()
FROM books b
WHERE b.on_loan = 1
  AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL)
)sql",
        sdk::kIdempotent | sdk::ProposedAt("2026-06-15"));
  e.Check(prefix + ".check-loans", "Every book on loan has an open loan", R"sql(
SELECT (SELECT COUNT(*) FROM books WHERE on_loan = 1) =
       (SELECT COUNT(DISTINCT book_id) FROM loans WHERE returned_at IS NULL)
)sql");
  // 2.0.0 servers no longer read or write on_loan; 1.x servers still do
  // during a rolling upgrade, so the column goes only in the cleanup phase.
  e.Sql(prefix + ".drop-on-loan", "Drop books.on_loan", "ALTER TABLE books DROP COLUMN on_loan",
        sdk::kDdl | sdk::kCleanup | sdk::ProposedAt("2026-06-15"));
}

}  // namespace

CHIMP_PLUGIN("library-2.0.0", "2.0.0", "Library sample app 2.0.0: loans") {
  auto& direct = plugin.Edge("1.1.0", "2.0.0", "Loans, from 1.1.0");
  direct.Sql("library.2.0.0.from-1.1.0.index-title-author", "Index books by (title, author_id)",
             "CREATE INDEX idx_books_title_author ON books (title, author_id)",
             sdk::kDdl | sdk::ProposedAt("2026-06-15"));
  LoansWork(direct, "library.2.0.0.from-1.1.0");

  auto& after_hotfix = plugin.Edge("1.1.1", "2.0.0", "Loans, from the 1.1.1 hotfix");
  after_hotfix.Sql("library.2.0.0.from-1.1.1.index-title-author",
                   "Replace the hotfix's title index with (title, author_id)",
                   "ALTER TABLE books DROP INDEX idx_books_title, "
                   "ADD INDEX idx_books_title_author (title, author_id)",
                   sdk::kDdl | sdk::ProposedAt("2026-06-15"));
  LoansWork(after_hotfix, "library.2.0.0.from-1.1.1");
}
