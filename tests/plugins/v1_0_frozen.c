/* The ABI stability guard (issue 5, STYLE.md rule 23): a raw C plugin built
 * against ONLY the frozen copy of the ABI 1.0 header
 * (tests/abi/v1_0/include/chimp/plugin_abi.h), never against the current one
 * and never with the SDK (which follows the current header). Every later
 * engine must load it and run it; tests/integration/sdk/abi_v1_0_test.cpp
 * does, on the real server.
 *
 * One edge "" -> 1.0.0:
 *   frozen.1.0.0.table  SQL, HAS_DDL: creates frozen_items
 *   frozen.1.0.0.fill   native: uses every 1.0 service that reaches the
 *                       database (execute with typed parameters,
 *                       query_scalar, query_rows), plus log and progress,
 *                       and fails with set_error when a result is not what
 *                       1.0 promised. */
#include <stdio.h>
#include <string.h>

#include "chimp/plugin_abi.h"

#if CHIMP_ABI_MAJOR != 1 || CHIMP_ABI_MINOR != 0
#error "v1_0_frozen must be built against the frozen ABI 1.0 header only"
#endif

static chimp_value Int(int64_t i) {
  chimp_value v;
  memset(&v, 0, sizeof v);
  v.type = CHIMP_TYPE_INT64;
  v.i64 = i;
  return v;
}

static chimp_value Text(const char* s) {
  chimp_value v;
  memset(&v, 0, sizeof v);
  v.type = CHIMP_TYPE_TEXT;
  v.data = s;
  v.size = strlen(s);
  return v;
}

static chimp_status Fail(const chimp_step_ctx* ctx, const char* message) {
  ctx->services->set_error(ctx->session, message);
  return CHIMP_ERROR;
}

struct Seen {
  int rows;
  int64_t id_sum;
  int names_ok;
};

static chimp_status OnRow(void* user, uint32_t column_count, const chimp_value* columns) {
  struct Seen* seen = (struct Seen*)user;
  static const char* const kNames[] = {"alpha", "beta", "gamma"};
  if (column_count != 3) return CHIMP_ERROR;
  if (columns[0].type != CHIMP_TYPE_INT64 || columns[1].type != CHIMP_TYPE_TEXT) return CHIMP_ERROR;
  if (columns[0].i64 >= 1 && columns[0].i64 <= 3) {
    const char* want = kNames[columns[0].i64 - 1];
    if (columns[1].size == strlen(want) && memcmp(columns[1].data, want, columns[1].size) == 0 &&
        columns[2].type == CHIMP_TYPE_NULL) {
      ++seen->names_ok;
    }
  }
  ++seen->rows;
  seen->id_sum += columns[0].i64;
  return CHIMP_OK;
}

static chimp_status Fill(const chimp_step_ctx* ctx) {
  const chimp_services* s = ctx->services;
  static const char* const kNames[] = {"alpha", "beta", "gamma"};
  uint64_t affected = 0;
  int64_t i;
  chimp_value params[3];
  chimp_value out;
  struct Seen seen = {0, 0, 0};
  chimp_status st;
  char message[160];

  if (ctx->struct_size < offsetof(chimp_step_ctx, to_version) + sizeof(const char*)) {
    return Fail(ctx, "chimp_step_ctx is smaller than ABI 1.0");
  }
  if (strcmp(ctx->step_id, "frozen.1.0.0.fill") != 0 || strcmp(ctx->to_version, "1.0.0") != 0) {
    return Fail(ctx, "the step context names another step or edge");
  }
  s->log(ctx->session, CHIMP_LOG_INFO, "v1_0_frozen: filling frozen_items");
  for (i = 1; i <= 3; ++i) {
    params[0] = Int(i);
    params[1] = Text(kNames[i - 1]);
    memset(&params[2], 0, sizeof params[2]); /* CHIMP_TYPE_NULL */
    st = s->execute(ctx->session, "INSERT INTO frozen_items (id, name, note) VALUES (?, ?, ?)", params, 3, &affected);
    if (st != CHIMP_OK) return st;
    if (affected != 1) return Fail(ctx, "execute: affected_rows is not 1");
    st = s->progress(ctx->session, (uint64_t)i, 3);
    if (st != CHIMP_OK) return st;
  }

  params[0] = Int(1);
  st = s->query_scalar(ctx->session, "SELECT COUNT(*) FROM frozen_items WHERE id > ?", params, 1, &out);
  if (st != CHIMP_OK) return st;
  if (out.type != CHIMP_TYPE_INT64 || out.i64 != 2) return Fail(ctx, "query_scalar: COUNT(*) is not 2");

  params[0] = Text("beta");
  st = s->query_scalar(ctx->session, "SELECT name FROM frozen_items WHERE name = ?", params, 1, &out);
  if (st != CHIMP_OK) return st;
  if (out.type != CHIMP_TYPE_TEXT || out.size != 4 || memcmp(out.data, "beta", 4) != 0) {
    return Fail(ctx, "query_scalar: text result is not 'beta'");
  }

  st = s->query_rows(ctx->session, "SELECT id, name, note FROM frozen_items ORDER BY id", NULL, 0, &OnRow, &seen);
  if (st != CHIMP_OK) return st;
  if (seen.rows != 3 || seen.id_sum != 6 || seen.names_ok != 3) {
    snprintf(message, sizeof message, "query_rows: saw %d rows, id sum %lld, %d names right", seen.rows,
             (long long)seen.id_sum, seen.names_ok);
    return Fail(ctx, message);
  }

  params[0] = Text("checked by v1_0_frozen");
  st = s->execute(ctx->session, "UPDATE frozen_items SET note = ?", params, 1, NULL);
  if (st != CHIMP_OK) return st;
  return CHIMP_OK;
}

static const chimp_step kTable = {
    sizeof(chimp_step),
    CHIMP_STEP_SQL,
    CHIMP_PHASE_EXPAND,
    CHIMP_STEP_HAS_DDL,
    "frozen.1.0.0.table",
    "Create frozen_items",
    "CREATE TABLE frozen_items (id BIGINT PRIMARY KEY, name VARCHAR(32) NOT NULL, note VARCHAR(64) NULL)",
    "v1_0_frozen.c",
    NULL,
    "2026-11-21",
    NULL,
    NULL};

static const chimp_step kFill = {sizeof(chimp_step),
                                 CHIMP_STEP_NATIVE,
                                 CHIMP_PHASE_EXPAND,
                                 0,
                                 "frozen.1.0.0.fill",
                                 "Fill frozen_items through the 1.0 services",
                                 NULL,
                                 NULL,
                                 "rev:1",
                                 "2026-11-21",
                                 &Fill,
                                 NULL};

static const chimp_step* const kSteps[] = {&kTable, &kFill};

static const chimp_edge kEdge = {sizeof(chimp_edge), 2, "", "1.0.0", "frozen_items", kSteps};

static const chimp_edge* const kEdges[] = {&kEdge};

static const chimp_plugin kPlugin = {sizeof(chimp_plugin),
                                     CHIMP_ABI_MAJOR,
                                     CHIMP_ABI_MINOR,
                                     0,
                                     "v1-0-frozen",
                                     "1.0.0",
                                     "built against the frozen ABI 1.0 header",
                                     1,
                                     0,
                                     kEdges};

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host, const chimp_plugin** out) {
  if (host == NULL || out == NULL) return CHIMP_BAD_ARGUMENT;
  if (host->abi_major != CHIMP_ABI_MAJOR) {
    host->set_error(host->error_ctx, "v1_0_frozen speaks ABI 1.x only");
    return CHIMP_REFUSED;
  }
  *out = &kPlugin;
  return CHIMP_OK;
}
