/* Raw C fixture plugins, written against plugin_abi.h without the C++ layer.
 * One valid descriptor; each FIXTURE_* define (set by CMakeLists.txt) breaks
 * it in one way. With no define it is a valid plugin. */
#include "chimp/plugin_abi.h"

static chimp_status RawRun(const chimp_step_ctx* ctx) {
  static const char kSql[] = "UPDATE raw_items SET n = n + 1";
  return ctx->services->execute(ctx->session, kSql, NULL, 0, NULL);
}

#if defined(FIXTURE_UNKNOWN_KIND)
#define RAW_NATIVE_KIND 9
#else
#define RAW_NATIVE_KIND CHIMP_STEP_NATIVE
#endif

#if defined(FIXTURE_MISSING_REV)
#define RAW_NATIVE_CHECKSUM NULL
#else
#define RAW_NATIVE_CHECKSUM "rev:1"
#endif

/* The ABI 1.1 and 1.2 fields, zero (C's -Wmissing-field-initializers wants
 * them spelled out); none under an older header. */
#if CHIMP_ABI_MINOR >= 2
#define RAW_STEP_1_1 , 0, 0, NULL, NULL
#define RAW_PLUGIN_1_1 , NULL, 0, 0, NULL, NULL, NULL
#elif CHIMP_ABI_MINOR >= 1
#define RAW_STEP_1_1 , 0, 0, NULL, NULL
#define RAW_PLUGIN_1_1 , NULL, 0, 0, NULL, NULL
#else
#define RAW_STEP_1_1
#define RAW_PLUGIN_1_1
#endif

static const chimp_step kCreate = {sizeof(chimp_step),
                                   CHIMP_STEP_SQL,
                                   CHIMP_PHASE_EXPAND,
                                   CHIMP_STEP_HAS_DDL,
                                   "raw.1.0.0.create",
                                   "Create raw_items",
                                   "CREATE TABLE raw_items (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 0)",
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL RAW_STEP_1_1};
static const chimp_step kBump = {sizeof(chimp_step),
                                 RAW_NATIVE_KIND,
                                 CHIMP_PHASE_EXPAND,
                                 0,
                                 "raw.1.0.0.bump",
                                 "Bump every counter",
                                 NULL,
                                 NULL,
                                 RAW_NATIVE_CHECKSUM,
                                 "2026-11-21",
                                 RawRun,
                                 NULL RAW_STEP_1_1};
static const chimp_step* const kSteps[] = {&kCreate, &kBump};

static const chimp_edge kEdge = {sizeof(chimp_edge), 2, "", "1.0.0", "Base schema", kSteps, NULL};
static const chimp_edge* const kEdges[] = {&kEdge};

#if defined(FIXTURE_WRONG_MAJOR)
#define RAW_ABI_MAJOR 2
#else
#define RAW_ABI_MAJOR CHIMP_ABI_MAJOR
#endif

#if defined(FIXTURE_NEEDS_NEWER_HOST)
#define RAW_MIN_HOST_MINOR 7
#else
#define RAW_MIN_HOST_MINOR 0
#endif

#if defined(FIXTURE_SMALL_STRUCT)
#define RAW_PLUGIN_SIZE 24
#else
#define RAW_PLUGIN_SIZE sizeof(chimp_plugin)
#endif

/* raw_twin: another plugin name, the same step ids as raw_good. */
#if defined(FIXTURE_RAW_TWIN)
#define RAW_NAME "raw-twin"
#else
#define RAW_NAME "raw"
#endif

static const chimp_plugin kPlugin = {RAW_PLUGIN_SIZE,
                                     RAW_ABI_MAJOR,
                                     CHIMP_ABI_MINOR,
                                     RAW_MIN_HOST_MINOR,
                                     RAW_NAME,
                                     "1.0.0",
                                     "A plugin written in C",
                                     1,
                                     0,
                                     kEdges RAW_PLUGIN_1_1};

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host, const chimp_plugin** out) {
  (void)kPlugin; /* unused by the variants that never answer with it */
#if defined(FIXTURE_REFUSES)
  host->set_error(host->error_ctx, "this plugin needs the extension chimp.fancy/1, which the host lacks");
  (void)out;
  return CHIMP_REFUSED;
#elif defined(FIXTURE_NULL_DESCRIPTOR)
  (void)host;
  *out = NULL;
  return CHIMP_OK;
#elif defined(FIXTURE_UNKNOWN_STATUS)
  host->set_error(host->error_ctx, "something odd happened");
  (void)out;
  return 42;
#else
  /* A plugin that does not check host->abi_major: the host must. */
  (void)host;
  *out = &kPlugin;
  return CHIMP_OK;
#endif
}
