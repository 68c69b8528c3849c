// Fixture for issue 14 items 1 and 2 (tests/integration/issues/
// issue_0014_progress_test.cpp): steps that take a few seconds and say how
// far they are.
//   "" -> 1.0.0     pr_items(id, v), then a native step that inserts 16 rows,
//                   0.1 s apart, reporting ctx.Progress(i, 16) after each
//   1.0.0 -> 1.1.0  a typed UpdateRows of pr_items, 2 rows a chunk (8
//                   chunks), each row sleeping 0.05 s
//   1.1.0 -> 1.2.0  a SQL step of 3 statements, the second sleeping 2.6 s
//                   (long enough for the watcher to say what it does)
// With FIXTURE_PROGRESS_FAILS the native step fails after its 8th row.
#include <chimp/sdk/plugin.hpp>

#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("progress-steps", "1.0.0", "Steps that report progress") {
  auto& base = plugin.Edge("", "1.0.0", "A table filled by a native step");
  base.Sql("progress.create", "Create pr_items", "CREATE TABLE pr_items (id INT PRIMARY KEY, v INT NOT NULL)",
           sdk::kDdl);
  base.Native("progress.fill", "Fill pr_items", "rev:1", [](sdk::Context& ctx) {
    constexpr int kRows = 16;
    for (int i = 1; i <= kRows; ++i) {
#ifdef FIXTURE_PROGRESS_FAILS
      if (i > 8) throw sdk::Error("the fixture fails after 8 rows");
#endif
      ctx.Execute("INSERT INTO pr_items (id, v) VALUES (" + std::to_string(i) + ", 0)");
      ctx.Execute("DO SLEEP(0.1)");
      ctx.Progress(static_cast<uint64_t>(i), kRows);
    }
  });
  sdk::Ops(plugin.Edge("1.0.0", "1.1.0", "A chunked update"))
      .UpdateRows("progress.update", sdk::RowUpdate("pr_items").Set("v = id + SLEEP(0.05)").ChunkSize(2), "rev:1");
  plugin.Edge("1.1.0", "1.2.0", "A long statement")
      .Sql("progress.long", "Sleep in the middle",
           "UPDATE pr_items SET v = 1;\nDO SLEEP(2.6);\nUPDATE pr_items SET v = 2;");
}
