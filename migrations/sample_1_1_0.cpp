// Library sample app, release 1.1.0: books get a URL slug, computed in C++
// from the title (transliterated, lower-case, unique), something plain SQL
// cannot express. The native step uses only the services table.
#include <chimp/sdk/plugin.hpp>

#include <set>
#include <string>
#include <string_view>

namespace sdk = chimp::sdk;

namespace {

// ASCII for the Latin-1 letters U+00C0..U+00FF ("" where there is none).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // C0
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // E0
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};  // F0

// "L'Étranger" -> "letranger", "Cien años de soledad" -> "cien-anos-de-soledad".
std::string Slugify(std::string_view title) {
  std::string slug;
  bool dash = false;
  auto put = [&](std::string_view s) {
    if (dash && !slug.empty()) slug += '-';
    dash = false;
    slug += s;
  };
  for (size_t i = 0; i < title.size(); ++i) {
    const auto c = static_cast<unsigned char>(title[i]);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      put(std::string_view(&title[i], 1));
    } else if (c >= 'A' && c <= 'Z') {
      const char lower = static_cast<char>(c - 'A' + 'a');
      put(std::string_view(&lower, 1));
    } else if (c == '\'') {
      // Apostrophes join: "L'Étranger" is one word.
    } else if (c == 0xC3 && i + 1 < title.size()) {  // U+00C0..U+00FF in UTF-8
      const auto next = static_cast<unsigned char>(title[++i]);
      const char* ascii = next >= 0x80 && next <= 0xBF ? kLatin1[next - 0x80] : "";
      if (*ascii != '\0') {
        put(ascii);
      } else {
        dash = true;
      }
    } else {
      dash = true;
      while (c >= 0xC0 && i + 1 < title.size() && (static_cast<unsigned char>(title[i + 1]) & 0xC0) == 0x80) ++i;
    }
  }
  return slug.empty() ? "book" : slug;
}

}  // namespace

CHIMP_PLUGIN("library-1.1.0", "1.1.0", "Library sample app 1.1.0: book slugs") {
  plugin.Edge("1.0.0", "1.1.0", "Books get a unique URL slug")
      .Sql("library.1.1.0.add-slug", "Add books.slug", "ALTER TABLE books ADD COLUMN slug VARCHAR(320) NULL",
           sdk::kDdl | sdk::ProposedAt("2026-03-02"))
      .Native(
          "library.1.1.0.fill-slugs", "Compute a slug for every book", "rev:1",
          [](sdk::Context& ctx) {
            const auto books = ctx.Rows<int64_t, std::string, std::optional<std::string>>(
                "SELECT id, title, slug FROM books ORDER BY id");
            std::set<std::string> taken;
            for (const auto& [id, title, slug] : books) {
              if (slug) taken.insert(*slug);
            }
            uint64_t done = 0;
            for (const auto& [id, title, slug] : books) {
              if (!slug) {
                const std::string base = Slugify(title);
                std::string unique = base;
                for (int n = 2; !taken.insert(unique).second; ++n) unique = base + "-" + std::to_string(n);
                ctx.Execute("UPDATE books SET slug = ? WHERE id = ?", unique, id);
              }
              ctx.Progress(++done, books.size());
            }
            ctx.Log("slugs computed for " + std::to_string(done) + " books");
          },
          sdk::kIdempotent | sdk::ProposedAt("2026-03-02"))
      .Sql("library.1.1.0.require-slug", "Make books.slug required and unique",
           "ALTER TABLE books MODIFY slug VARCHAR(320) NOT NULL, ADD UNIQUE KEY uq_books_slug (slug)",
           sdk::kDdl | sdk::ProposedAt("2026-03-02"));
}
