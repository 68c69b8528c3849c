// Every kind of step the SDK offers, in one plugin (doc/plugins.md, "Every
// kind of step"). The tests compile this file and migrate a database with it.
#include <chimp/sdk/plugin.hpp>

#include <cstdint>
#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("library", "1.1.0", "A small lending library") {
  // Dialects, per-step databases and session SQL need a host of ABI 1.1,
  // re-runnable CALLs (RerunnableCalls) 1.2.
  plugin.MinHostMinor(2);
  // Run before every step of this plugin.
  plugin.SessionSql("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'");
  // For `chimp baseline`: the version of a database an older tool managed.
  plugin.LegacyVersionQuery("SELECT MAX(version) FROM library_version");

  // "" -> 1.0.0: the base schema. A SQL step with DDL runs statement by
  // statement (kDdl); one without runs in a transaction.
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("library.1.0.0.schema", "Books and loans",
           "CREATE TABLE books (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200) NOT NULL);\n"
           "CREATE TABLE loans (id INT AUTO_INCREMENT PRIMARY KEY, book_id INT NOT NULL,\n"
           "                    returned_at DATETIME NULL);\n"
           "CREATE TABLE library_version (version VARCHAR(20) NOT NULL);\n",
           sdk::kDdl | sdk::ProposedAt("2026-11-02") | sdk::Source("sql/1.0.0/schema.sql"))
      .Sql("library.1.0.0.seed", "Two books",
           "INSERT INTO books (title) VALUES ('Dune'), ('Solaris');\n"
           "INSERT INTO library_version VALUES ('1.0.0');\n",
           sdk::kWarningsFatal)
      // A check: its query's first column must be true in every row.
      .Check("library.1.0.0.seeded", "The books are there", "SELECT COUNT(*) = 2 FROM books");

  // 1.0.0 -> 1.1.0: typed operations, native code, a check as a function,
  // and a cleanup step for after the rolling upgrade.
  auto& e = plugin.Edge("1.0.0", "1.1.0", "Loans get a due date");
  sdk::Ops(e)
      .AddColumn("library.1.1.0.due", "loans", sdk::Column("due_at", "DATETIME").Null())
      .AddIndex("library.1.1.0.due-idx", "loans", sdk::Index("idx_loans_due", {"due_at"}))
      .UpdateRows(
          "library.1.1.0.backfill",
          sdk::RowUpdate("loans").Set("due_at = NOW() + INTERVAL 14 DAY").Where("due_at IS NULL").ChunkSize(1000));
  e.Native("library.1.1.0.count", "Count the books, reporting progress", "rev:1", [](sdk::Context& ctx) {
    const auto books = ctx.Rows<int64_t, std::string>("SELECT id, title FROM books ORDER BY id");
    uint64_t done = 0;
    for (const auto& [id, title] : books) {
      ctx.Log("book " + std::to_string(id) + ": " + title);
      ctx.Progress(++done, books.size());
    }
  });
  e.Check("library.1.1.0.no-orphans", "Every loan has its book", "rev:1", [](sdk::Context& ctx) {
    const auto orphans =
        ctx.Scalar<int64_t>("SELECT COUNT(*) FROM loans l LEFT JOIN books b ON b.id = l.book_id WHERE b.id IS NULL");
    if (orphans.value_or(0) != 0) throw sdk::CheckFailed(std::to_string(*orphans) + " loans have no book");
    return true;
  });
  e.Sql("library.1.1.0.version", "Record the version", "UPDATE library_version SET version = '1.1.0'");
  // Runs only with `chimp migrate --phase cleanup`, once every application
  // server runs 1.1.0.
  e.Sql("library.1.1.0.drop-returned", "Old servers no longer read returned_at",
        "ALTER TABLE loans DROP COLUMN returned_at", sdk::kDdl | sdk::kCleanup);

  // A repeatable step: runs again whenever its text changes, here after the
  // last edge of the path.
  plugin.Repeatable("library.view.overdue", "Overdue loans",
                    "CREATE OR REPLACE VIEW overdue AS SELECT id, book_id FROM loans WHERE due_at < NOW()",
                    sdk::kRunAfter | sdk::kDdl);
}
