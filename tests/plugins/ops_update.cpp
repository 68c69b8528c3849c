// update_rows alone, for the chunking and cancellation tests in
// tests/integration/sdk/operations_test.cpp. The test creates the tables and
// runs the native steps itself.
//   ops.update.items  items(id BIGINT PK, v INT, done TINYINT), 10 rows a chunk
//   ops.update.tags   tags(code VARCHAR PK, n INT), a text key, 3 rows a chunk
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("ops-update", "1.0.0", "update_rows in chunks") {
  sdk::Ops(plugin.Edge("", "1.0.0", "chunked updates"))
      .UpdateRows("ops.update.items",
                  sdk::RowUpdate("items").Set("v = id * 2, done = 1").Where("done = 0").ChunkSize(10), "rev:1",
                  sdk::kIdempotent)
      .UpdateRows("ops.update.tags", sdk::RowUpdate("tags").Set("n = n + 1").Key("code").ChunkSize(3));
}
