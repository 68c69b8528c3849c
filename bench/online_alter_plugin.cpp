// The plugin of bench/online_alter.sh (issue 15, item 3): "" -> 1.0.0
// creates the table `big` (the script fills it with INSERT ... SELECT from
// seq_1_to_N), 1.0.0 -> 2.0.0 and 2.0.0 -> 3.0.0 each add a column online,
// through pt-online-schema-change.
#include <chimp/sdk/plugin.hpp>

namespace sdk = chimp::sdk;

CHIMP_PLUGIN("bench-online-alter", "3.0.0", "Online ALTER TABLE benchmark") {
  plugin.MinHostMinor(4);
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("bench_online.create", "Create big",
           "CREATE TABLE big (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL, "
           "note VARCHAR(40) NOT NULL DEFAULT '', at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)",
           sdk::kDdl);
  plugin.Edge("1.0.0", "2.0.0", "Add a column online")
      .Sql("bench_online.add", "Add c_online, online", "ALTER TABLE big ADD COLUMN c_online INT NOT NULL DEFAULT 0",
           sdk::kDdl | sdk::kOnline);
  plugin.Edge("2.0.0", "3.0.0", "Add another column online (run with a shorter --online-chunk-time)")
      .Sql("bench_online.add2", "Add c_online2, online", "ALTER TABLE big ADD COLUMN c_online2 INT NOT NULL DEFAULT 0",
           sdk::kDdl | sdk::kOnline);
}
