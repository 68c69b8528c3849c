// Fixture for issue 14 item 1, `status` from another terminal
// (tests/integration/issues/issue_0014_running_test.cpp): a native step that
// runs in one transaction with its changelog row (no kDdl), reports
// progress, and waits half-way for a gate the test holds.
//   "" -> 1.0.0  rs_items(id), then running.fill: inserts row 1, reports
//                1/4, sleeps 2.3 s (longer than the 2 s between progress
//                writes), inserts row 2, reports 2/4, then waits for the
//                named lock 'chimp-gate:<database>' (SELECT GET_LOCK, up to
//                60 s) until the test releases it; then rows 3 and 4.
#include <chimp/sdk/plugin.hpp>

#include <string>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("running-status", "1.0.0", "A native step that waits for the test") {
  auto& base = plugin.Edge("", "1.0.0", "A table filled by a waiting native step");
  base.Sql("running.create", "Create rs_items", "CREATE TABLE rs_items (id INT PRIMARY KEY)", sdk::kDdl);
  base.Native("running.fill", "Fill rs_items, waiting half-way for the test's gate", "rev:1", [](sdk::Context& ctx) {
    constexpr uint64_t kRows = 4;
    ctx.Execute("INSERT INTO rs_items (id) VALUES (1)");
    ctx.Progress(1, kRows);
    ctx.Execute("DO SLEEP(2.3)");
    ctx.Execute("INSERT INTO rs_items (id) VALUES (2)");
    ctx.Progress(2, kRows);
    const auto got = ctx.Scalar<int64_t>("SELECT GET_LOCK(CONCAT('chimp-gate:', DATABASE()), 60)");
    if (!got || *got != 1) throw sdk::Error("the test's gate was not released within 60 s");
    ctx.Execute("DO RELEASE_LOCK(CONCAT('chimp-gate:', DATABASE()))");
    for (uint64_t i = 3; i <= kRows; ++i) {
      ctx.Execute("INSERT INTO rs_items (id) VALUES (" + std::to_string(i) + ")");
      ctx.Progress(i, kRows);
    }
  });
}
