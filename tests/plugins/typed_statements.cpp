// Typed statements through the services table (issue 5, item 2), for
// tests/integration/sdk/typed_statements_test.cpp.
//   ""    -> 1.0.0  date-time parameters and columns round-trip
//   1.0.0 -> 1.1.0  reads a text column as an integer: fails naming the
//                   statement and the column
#include <chimp/sdk/plugin.hpp>

#include <optional>
#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("typed-statements", "1.1.0", "typed ? parameters and columns") {
  plugin.Edge("", "1.0.0", "date-times")
      .Sql("typed.1.0.0.table", "Create events",
           "CREATE TABLE events (id BIGINT PRIMARY KEY, at DATETIME(6) NULL, day DATE NULL, "
           "label VARCHAR(20) NOT NULL, score DOUBLE NULL)",
           sdk::kDdl)
      .Native("typed.1.0.0.round-trip", "Date-times in and out", "rev:1", [](sdk::Context& ctx) {
        const sdk::DateTime launch(2026, 11, 21, 17, 5, 9, 250000);
        const sdk::DateTime plain = sdk::DateTime::Parse("1999-12-31 23:59:59");
        ctx.Execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)", 1, launch, sdk::DateTime(2026, 11, 21), "launch", 0.5);
        ctx.Execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)", 2, plain, std::nullopt, "party", std::nullopt);
        const auto rows = ctx.Rows<int64_t, std::optional<sdk::DateTime>, std::optional<sdk::DateTime>, std::string,
                                   std::optional<double>>(
            "SELECT id, at, day, label, score FROM events WHERE at >= ? ORDER BY id", sdk::DateTime(1990, 1, 1));
        if (rows.size() != 2) throw sdk::Error("expected 2 rows, got " + std::to_string(rows.size()));
        const auto& [id1, at1, day1, label1, score1] = rows[0];
        if (id1 != 1 || !at1 || !(*at1 == launch) || !day1 || day1->text() != "2026-11-21 00:00:00" ||
            label1 != "launch" || score1 != 0.5) {
          throw sdk::Error("row 1 did not round-trip: at " + std::string(at1 ? at1->text() : "NULL"));
        }
        const auto& [id2, at2, day2, label2, score2] = rows[1];
        if (id2 != 2 || !at2 || !(*at2 == plain) || day2 || score2) throw sdk::Error("row 2 did not round-trip");
        const auto latest = ctx.Scalar<sdk::DateTime>("SELECT MAX(at) FROM events");
        if (!latest || latest->year() != 2026 || latest->microsecond() != 250000) {
          throw sdk::Error("MAX(at) is not the launch");
        }
        int64_t n = 0;
        ctx.ForEach(
            "SELECT id, at FROM events WHERE at < ?",
            [&n](int64_t, sdk::DateTime at) { n += at.year() == 1999 ? 1 : 100; }, launch);
        if (n != 1) throw sdk::Error("ForEach with a DateTime parameter saw the wrong rows");
      });

  plugin.Edge("1.0.0", "1.1.0", "a type mismatch")
      .Native("typed.1.1.0.mismatch", "Reads a label as an integer", "rev:1", [](sdk::Context& ctx) {
        for (const auto& [id, label] : ctx.Rows<int64_t, int64_t>("SELECT id, label FROM events WHERE id > ?", 0)) {
          ctx.Log(std::to_string(id + label));
        }
      });
}
