// Fixture (issue 13, item 2): a plugin that counts how often its code is
// loaded. Its static constructor appends one line to the file named by
// CHIMP_FIXTURE_LOAD_LOG (when set), so that a test can tell whether a
// no-op run loaded it at all (the trial child and chimp each count once).
//   noop_v1          "" -> 1.0.0: a table and its row
//   noop_v1_changed  the same step ids, the row's SQL changed (a checksum mismatch)
//   noop_v2          noop_v1's edge, then 1.0.0 -> 1.1.0 (pending work)
//   noop_extra       another plugin, "noop-extra": only 1.0.0 -> 1.1.0
//   noop_native      another plugin, "noop-native": only 1.1.0 -> 1.2.0, a native step
// Each line is "loaded <plugin name>".
#include <fcntl.h>
#include <unistd.h>

#include <chimp/sdk/plugin.hpp>
#include <cstdlib>
#include <cstring>

#if defined(FIXTURE_NOOP_EXTRA)
#define NOOP_NAME "noop-extra"
#elif defined(FIXTURE_NOOP_NATIVE)
#define NOOP_NAME "noop-native"
#else
#define NOOP_NAME "noop-counter"
#endif

namespace {

struct CountLoads {
  CountLoads() {
    const char* log = std::getenv("CHIMP_FIXTURE_LOAD_LOG");
    if (log == nullptr || *log == '\0') return;
    const int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    const char line[] = "loaded " NOOP_NAME "\n";
    ssize_t ignored = ::write(fd, line, std::strlen(line));
    (void)ignored;
    ::close(fd);
  }
};
const CountLoads count_loads;

}  // namespace

#if defined(FIXTURE_NOOP_EXTRA)
CHIMP_PLUGIN(NOOP_NAME, "1.1.0", "An upgrade edge from another plugin") {
  plugin.Edge("1.0.0", "1.1.0", "A second table")
      .Sql("noop_extra.1.1.0.create", "Create noop_extra", "CREATE TABLE noop_extra (id BIGINT PRIMARY KEY)",
           chimp::sdk::kDdl);
}
#elif defined(FIXTURE_NOOP_NATIVE)
CHIMP_PLUGIN(NOOP_NAME, "1.2.0", "An upgrade edge whose step is code") {
  plugin.Edge("1.1.0", "1.2.0", "A row from code")
      .Native("noop_native.1.2.0.row", "A row from code", "rev:1",
              [](chimp::sdk::Context& ctx) { ctx.Execute("INSERT INTO noop_extra (id) VALUES (?)", int64_t{7}); });
}
#else
#if defined(FIXTURE_NOOP_V1_CHANGED)
#define NOOP_ROW_SQL "INSERT INTO noop_items (id, name) VALUES (1, 'changed')"
#elif defined(FIXTURE_NOOP_V1) || defined(FIXTURE_NOOP_V2)
#define NOOP_ROW_SQL "INSERT INTO noop_items (id, name) VALUES (1, 'one')"
#else
#error "define one FIXTURE_NOOP_* variant"
#endif

#if defined(FIXTURE_NOOP_V2)
#define NOOP_VERSION "1.1.0"
#else
#define NOOP_VERSION "1.0.0"
#endif

CHIMP_PLUGIN("noop-counter", NOOP_VERSION, "Counts how often its code is loaded") {
  plugin.Edge("", "1.0.0", "Base schema")
      .Sql("noop.1.0.0.create", "Create noop_items",
           "CREATE TABLE noop_items (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL)", chimp::sdk::kDdl)
      .Sql("noop.1.0.0.row", "One row", NOOP_ROW_SQL);
#if defined(FIXTURE_NOOP_V2)
  plugin.Edge("1.0.0", "1.1.0", "A second table")
      .Sql("noop.1.1.0.create", "Create noop_more", "CREATE TABLE noop_more (id BIGINT PRIMARY KEY)", chimp::sdk::kDdl);
#endif
}
#endif
