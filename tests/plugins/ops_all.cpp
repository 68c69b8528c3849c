// Every typed operation of chimp/sdk/operations.hpp, on two edges, for
// tests/integration/sdk/operations_test.cpp (applied twice, it converges) and
// tests/unit/plugin/operations_test.cpp (it loads; the SQL it sends).
//
//   ""    -> 1.0.0  create tables, add/modify/rename columns, add an index
//                   and a foreign key, a view, rows
//   1.0.0 -> 1.1.0  drop the foreign key, the index, a column, a table and a
//                   view, replace a view, update rows in chunks
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("ops-all", "1.1.0", "Every typed operation") {
  sdk::Ops(plugin.Edge("", "1.0.0", "base schema through typed operations"))
      .CreateTable("ops.1.0.0.authors", sdk::Table("authors")
                                            .Add(sdk::Column("id", "BIGINT").NotNull().AutoIncrement())
                                            .Add(sdk::Column("name", "VARCHAR(100)").NotNull())
                                            .PrimaryKey({"id"})
                                            .Options("ENGINE=InnoDB"))
      .CreateTable("ops.1.0.0.books", sdk::Table("books")
                                          .Add(sdk::Column("id", "BIGINT").NotNull().AutoIncrement().PrimaryKey())
                                          .Add(sdk::Column("author_id", "BIGINT").NotNull())
                                          .Add(sdk::Column("title", "VARCHAR(200)").NotNull())
                                          .Add(sdk::Column("odd`name", "INT").Null().Comment("a name with a backtick"))
                                          .Add(sdk::Column("legacy", "VARCHAR(10)").Null()))
      .CreateTable("ops.1.0.0.scratch", sdk::Table("scratch")
                                            .Add(sdk::Column("id", "INT").NotNull())
                                            .Add(sdk::Column("x", "INT"))
                                            .PrimaryKey({"id"})
                                            .Add(sdk::Index("idx_scratch_x", {"x"})))
      .AddColumn("ops.1.0.0.isbn", "books", sdk::Column("isbn", "VARCHAR(20)").Null().After("title"))
      .AddColumn("ops.1.0.0.note", "books", sdk::Column("note", "VARCHAR(50)").NotNull().Default("it's a \\ \"note\""))
      .AddColumn("ops.1.0.0.added", "books",
                 sdk::Column("added_at", "DATETIME").NotNull().Default(sdk::DateTime(2026, 11, 21, 9, 30)))
      .ModifyColumn("ops.1.0.0.title", "books", sdk::Column("title", "VARCHAR(300)").NotNull())
      .RenameColumn("ops.1.0.0.rename", "books", "legacy", "old_code")
      .AddIndex("ops.1.0.0.isbn-idx", "books", sdk::Index("idx_books_isbn", {"isbn"}).Unique())
      .AddForeignKey(
          "ops.1.0.0.author-fk", "books",
          sdk::ForeignKey("fk_books_author", {"author_id"}, "authors", {"id"}).OnDelete(sdk::ReferenceAction::kCascade))
      .CreateOrReplaceView("ops.1.0.0.view", "book_titles",
                           "SELECT b.id, b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id")
      .CreateOrReplaceView("ops.1.0.0.tmp-view", "tmp_view", "SELECT 1 AS one")
      .InsertRows("ops.1.0.0.authors-rows", "authors", {"id", "name"},
                  {{1, "Ursula K. Le Guin"}, {2, "O'Brien \\ Flann"}})
      .InsertRows("ops.1.0.0.books-rows", "books", {"id", "author_id", "title", "isbn"},
                  {{1, 1, "A Wizard of Earthsea", "978-0553383041"}, {2, 2, "The Third Policeman", nullptr}})
      .Describe("Seed scratch")
      .InsertRows("ops.1.0.0.scratch-rows", "scratch", {"id", "x"}, {{1, 10}, {2, std::optional<int>()}}, {"id"});

  sdk::Ops(plugin.Edge("1.0.0", "1.1.0", "drops and data"))
      .DropForeignKey("ops.1.1.0.drop-fk", "books", "fk_books_author")
      .DropIndex("ops.1.1.0.drop-idx", "books", "idx_books_isbn")
      .DropColumn("ops.1.1.0.drop-odd", "books", "odd`name")
      .DropTable("ops.1.1.0.drop-scratch", "scratch", sdk::kCleanup)
      .DropView("ops.1.1.0.drop-view", "tmp_view")
      .CreateOrReplaceView("ops.1.1.0.view", "book_titles",
                           "SELECT b.id, b.title, b.isbn, a.name AS author FROM books b "
                           "JOIN authors a ON a.id = b.author_id;")
      .UpdateRows("ops.1.1.0.notes",
                  sdk::RowUpdate("books").Set("note = 'updated'").Where("note <> 'updated'").ChunkSize(1), "rev:1",
                  sdk::kIdempotent);
}
