// Library sample app, hotfix 1.1.1: searching books by title was slow.
#include <chimp/sdk/plugin.hpp>

CHIMP_PLUGIN("library-1.1.1", "1.1.1", "Library sample app 1.1.1: title index") {
  plugin.Edge("1.1.0", "1.1.1", "Hotfix: index books by title")
      .Sql("library.1.1.1.index-title", "Index books.title", "CREATE INDEX idx_books_title ON books (title)",
           chimp::sdk::kDdl | chimp::sdk::ProposedAt("2026-04-20"));
}
