// Library sample app, release 1.0.0: the base schema, from the empty
// database. See README.md for the whole graph.
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("library-1.0.0", "1.0.0", "Library sample app 1.0.0: authors and books") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("library.1.0.0.create-authors", "Create authors", R"sql(
CREATE TABLE authors (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(200) NOT NULL,
  born SMALLINT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
)sql",
           sdk::kDdl | sdk::ProposedAt("2026-01-12"))
      .Sql("library.1.0.0.create-books", "Create books", R"sql(
CREATE TABLE books (
  id BIGINT NOT NULL AUTO_INCREMENT,
  author_id BIGINT NOT NULL,
  title VARCHAR(300) NOT NULL,
  published SMALLINT NULL,
  -- 1 while the book is lent out; replaced by the loans table in 2.0.0.
  on_loan TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
)sql",
           sdk::kDdl | sdk::ProposedAt("2026-01-12"))
      .Sql("library.1.0.0.seed", "Demo catalogue", R"sql(
INSERT INTO authors (id, name, born) VALUES
  (1, 'Thomas Mann', 1875),
  (2, 'Gabriel García Márquez', 1927),
  (3, 'Albert Camus', 1913),
  (4, 'Jane Austen', 1775),
  (5, 'Victor Hugo', 1802);
INSERT INTO books (author_id, title, published, on_loan) VALUES
  (1, 'Der Zauberberg', 1924, 0),
  (2, 'Cien años de soledad', 1967, 1),
  (3, 'L''Étranger', 1942, 0),
  (4, 'Emma', 1815, 1),
  (4, 'Emma', 1816, 0),
  (5, 'Les Misérables', 1862, 0);
)sql",
           sdk::ProposedAt("2026-01-12"));
}
