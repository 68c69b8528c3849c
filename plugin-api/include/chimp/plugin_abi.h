/*
 * chimp plugin ABI, version 1.4.
 *
 * This header is the whole contract between the chimp engine (the host) and a
 * migration plugin (a shared object). It is C99 with fixed-width fields and no
 * C++ types. plugin.hpp is a convenience layer on top of it, compiled into
 * plugins; it is not part of the contract.
 *
 * Conventions:
 *  (1) A plugin exports exactly one symbol, the function chimp_plugin_entry.
 *      Build with -fvisibility=hidden; CHIMP_PLUGIN_EXPORT marks the entry.
 *  (2) The host speaks first. It passes a chimp_host (its ABI version, its
 *      engine version, the services table, an error context). The plugin
 *      answers with its descriptor or refuses with a reason.
 *  (3) Every struct that can grow starts with `struct_size`, set by whoever
 *      fills the struct to sizeof() of the struct as it was compiled. A reader
 *      uses a field only when struct_size says the field is present
 *      (CHIMP_HAS_FIELD). Minor versions only append fields at the end.
 *      chimp_value is the one frozen struct: it never grows; new kinds of
 *      values get new type codes.
 *  (4) Arrays hold pointers to structs (plugin -> edges -> steps), never
 *      structs, so that elements can grow.
 *  (5) Ownership: everything the plugin hands the host (descriptors, strings)
 *      is owned by the plugin and must stay valid and unchanged until the
 *      library is unloaded. The host copies descriptors at load and keeps the
 *      library loaded for the whole process (native steps keep their `run`
 *      and `user` pointers). Everything the host hands the plugin is owned by
 *      the host and valid only for the duration of the call, unless a comment
 *      says otherwise. Nothing is freed across the boundary.
 *  (6) Errors are a chimp_status plus a text passed to a set_error function;
 *      the receiver copies the text at once. Any status other than CHIMP_OK
 *      is an error, including codes this header does not name.
 *  (7) No exception, longjmp or signal crosses the boundary. Every function
 *      on either side catches everything and turns it into a status.
 *  (8) Strings are NUL-terminated UTF-8. An optional string may be NULL.
 *  (9) Threads: [main-thread] functions are called only from the thread that
 *      runs the migration; a plugin must not call services from any other
 *      thread. chimp_plugin_entry is [thread-safe] and may run more than once.
 *  (10) Enumerations are int32_t typedefs; the C enums below only name
 *      constants and are never used as field types.
 *
 * Versioning: the major must match exactly (CHIMP_ABI_MAJOR); a host of minor
 * N loads plugins built for any minor <= N, and a plugin states the lowest
 * host minor it needs (chimp_plugin.min_host_minor). Larger additions come as
 * named extensions ("chimp.<name>/<rev>") reached through get_extension.
 * doc/abi.md records the history of every change.
 */
#ifndef CHIMP_PLUGIN_ABI_H_
#define CHIMP_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHIMP_ABI_MAJOR 1
#define CHIMP_ABI_MINOR 4

/* The name of the one exported symbol. */
#define CHIMP_PLUGIN_ENTRY_SYMBOL "chimp_plugin_entry"

#if defined(_WIN32)
#define CHIMP_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CHIMP_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* In C++ the entry is declared noexcept (convention 7), so a C++ definition
 * must say CHIMP_NOEXCEPT (or noexcept) too, or it does not compile. An
 * exception escaping a noexcept function ends the process at the throw
 * instead of unwinding into the host. It changes neither the symbol nor the
 * calling convention. */
#if defined(__cplusplus)
#define CHIMP_NOEXCEPT noexcept
#else
#define CHIMP_NOEXCEPT
#endif

/* True when a struct filled with the given struct_size contains FIELD. */
#define CHIMP_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- Status codes (chimp_status). Unknown codes are errors. ---- */
typedef int32_t chimp_status;
enum {
  CHIMP_OK = 0,
  CHIMP_ERROR = 1,         /* generic failure; the text says what */
  CHIMP_REFUSED = 2,       /* the plugin refuses to load on this host */
  CHIMP_CANCELLED = 3,     /* the operator cancelled (see progress) */
  CHIMP_CHECK_FAILED = 4,  /* a check step ran and its condition is false */
  CHIMP_BAD_ARGUMENT = 5,  /* a service was called with a bad argument */
  CHIMP_DB_ERROR = 6,      /* the server refused a statement */
  CHIMP_STOP = 7           /* returned by a row callback to stop a query */
};

/* ---- Step kinds (chimp_step.kind). ---- */
enum {
  CHIMP_STEP_SQL = 1,    /* `sql` holds a script, split like the mysql client */
  CHIMP_STEP_NATIVE = 2, /* `run` is called with the services table */
  CHIMP_STEP_CHECK = 3   /* `sql` is a query whose first column must be true
                            (non-zero, non-NULL) in every row it returns and it
                            must return a row; or `run` returns CHIMP_OK or
                            CHIMP_CHECK_FAILED. Changes nothing. */
};

/* ---- Phases (chimp_step.phase). ---- */
enum {
  CHIMP_PHASE_EXPAND = 0,  /* default: runs during `migrate` */
  CHIMP_PHASE_CLEANUP = 1  /* runs only with `migrate --phase cleanup`, once
                              every application server runs the new code */
};

/* ---- Step flags (chimp_step.flags), a bit set. ---- */
enum {
  CHIMP_STEP_HAS_DDL = 1u << 0,    /* declares DDL: runs statement by
                                      statement, not in one transaction. The
                                      host double-checks SQL steps. */
  CHIMP_STEP_IDEMPOTENT = 1u << 1, /* re-running it converges: safe to repeat
                                      after a crash */
  /* ABI 1.1: */
  CHIMP_STEP_WARNINGS_FATAL = 1u << 2, /* a warning or note from any of the
                                          step's statements fails the step.
                                          Default: warnings are collected
                                          into the changelog, not fatal. */
  CHIMP_STEP_RUN_BEFORE = 1u << 3, /* repeatables only: run before the first
                                      edge of the path (stored procedures) */
  CHIMP_STEP_RUN_AFTER = 1u << 4,  /* repeatables only: run after the last
                                      edge of the path (views) */
  /* ABI 1.3: */
  CHIMP_STEP_PREFLIGHT = 1u << 5,  /* CHIMP_STEP_CHECK steps only: a
                                      pre-flight check. It runs before the
                                      first write of any run whose path
                                      holds its edge, against the database
                                      as it is then (not after the earlier
                                      edges of the path), so it must not
                                      depend on their effects; a failure
                                      stops the run with nothing written.
                                      A host of ABI <= 1.2 ignores the flag
                                      and runs the check in its edge. */
  /* ABI 1.4: */
  CHIMP_STEP_ONLINE = 1u << 6 /* CHIMP_STEP_SQL steps only, whose script is
                                 one ALTER TABLE statement (with HAS_DDL):
                                 the host runs it as an online schema
                                 change (pt-online-schema-change: a shadow
                                 copy kept in step by triggers, then an
                                 atomic RENAME), so writers of the table
                                 are not blocked while it copies. The
                                 host refuses the flag on any other step.
                                 A host of ABI <= 1.3 ignores it and runs
                                 the ALTER as a plain, blocking statement:
                                 set min_host_minor to 4 when that must
                                 not happen. */
};

/* ---- SQL dialects (chimp_step.dialect, ABI 1.1). How the host cuts a SQL
 * script into statements. ---- */
enum {
  CHIMP_DIALECT_CLIENT = 0,       /* default: exactly as the `mariadb`
                                     command-line client (DELIMITER, the
                                     three comment styles, quotes) */
  CHIMP_DIALECT_SCRIPT_RUNNER = 1 /* line-based, as CloudStack's
                                     com.cloud.utils.db.ScriptRunner: a
                                     statement ends on a line whose trimmed
                                     text ends with ";"; no DELIMITER. The
                                     exact rules are in the host's
                                     sql_splitter.hpp and doc/abi.md. */
};

/* ---- Value types (chimp_value.type). ---- */
enum {
  CHIMP_TYPE_NULL = 0,
  CHIMP_TYPE_INT64 = 1,  /* i64 */
  CHIMP_TYPE_DOUBLE = 2, /* f64 */
  CHIMP_TYPE_TEXT = 3,   /* data/size, UTF-8, not necessarily NUL-terminated */
  CHIMP_TYPE_BYTES = 4   /* data/size, binary */
};

/* ---- Log levels (services->log). ---- */
enum {
  CHIMP_LOG_DEBUG = 0,
  CHIMP_LOG_INFO = 1,
  CHIMP_LOG_WARN = 2,
  CHIMP_LOG_ERROR = 3
};

/* A typed value: a `?` parameter or a result column. Frozen: never grows.
 * Text and bytes point to memory owned by whoever filled the value; for
 * results, valid until the callback returns (query_rows) or until the next
 * service call on the same session (query_scalar). */
typedef struct chimp_value {
  int32_t type;     /* CHIMP_TYPE_* */
  int32_t reserved; /* zero */
  int64_t i64;
  double f64;
  const char* data;
  uint64_t size;
} chimp_value;

/* Opaque host objects. */
typedef struct chimp_session chimp_session;     /* one step's connection */
typedef struct chimp_error_ctx chimp_error_ctx; /* where the entry reports */

/* Row callback for query_rows. `columns` has `column_count` values, owned by
 * the host, valid until the callback returns. Return CHIMP_OK to go on,
 * CHIMP_STOP to stop early (the query then returns CHIMP_OK), anything else
 * to stop with that status. Must not throw. */
typedef chimp_status (*chimp_row_fn)(void* user, uint32_t column_count,
                                     const chimp_value* columns);

/* The services a native or check step uses to reach the database and the
 * operator. Filled by the host; every function is [main-thread] and must be
 * called with the session of the current step only. */
typedef struct chimp_services {
  uint32_t struct_size;
  uint32_t reserved;

  /* Runs one statement, with `param_count` typed `?` parameters (params may
   * be NULL when param_count is 0). Stores the affected row count in
   * *affected_rows when that is not NULL. */
  chimp_status (*execute)(chimp_session* session, const char* sql,
                          const chimp_value* params, uint32_t param_count,
                          uint64_t* affected_rows);

  /* Runs a query and stores the first column of its first row in *out
   * (CHIMP_TYPE_NULL when there is no row). Text in *out is owned by the
   * host and valid until the next call on this session.
   *
   * For every service returning chimp_status: on failure the host records
   * the reason itself (e.g. the server's message) as the step's error, as if
   * set_error had been called; a step that fails because of it may return
   * the service's status without calling set_error. */
  chimp_status (*query_scalar)(chimp_session* session, const char* sql,
                               const chimp_value* params, uint32_t param_count,
                               chimp_value* out);

  /* Runs a query and calls `fn` once per row, in order. `fn` may call other
   * services of the same session. When `fn` returns a status other than
   * CHIMP_OK or CHIMP_STOP, the query stops and query_rows returns that
   * status. */
  chimp_status (*query_rows)(chimp_session* session, const char* sql,
                             const chimp_value* params, uint32_t param_count,
                             chimp_row_fn fn, void* user);

  /* Writes a line to the operator's log. */
  void (*log)(chimp_session* session, int32_t level, const char* message);

  /* Reports progress (`done` of `total` units; total 0 = unknown). Returns
   * CHIMP_CANCELLED when the operator asked to stop: the step should return
   * CHIMP_CANCELLED soon after. */
  chimp_status (*progress)(chimp_session* session, uint64_t done,
                           uint64_t total);

  /* Records the reason the current step is about to return an error. The
   * host copies `message`; the last call wins. */
  void (*set_error)(chimp_session* session, const char* message);

  /* Returns the named extension table ("chimp.<name>/<rev>"), or NULL when
   * this host does not provide it. The table lives for the whole process. */
  const void* (*get_extension)(chimp_session* session, const char* id);
} chimp_services;

/* What a native or check step's `run` receives. Owned by the host, valid for
 * the duration of the call. */
typedef struct chimp_step_ctx {
  uint32_t struct_size;
  uint32_t reserved;
  const chimp_services* services;
  chimp_session* session;
  void* user;               /* chimp_step.user, as declared */
  const char* step_id;
  const char* from_version; /* the edge being run; "" for the empty version */
  const char* to_version;
} chimp_step_ctx;

/* A native or check step. [main-thread]. Returns CHIMP_OK on success; on
 * failure calls services->set_error and returns an error status. */
typedef chimp_status (*chimp_step_fn)(const chimp_step_ctx* ctx);

/* One step of an edge. */
typedef struct chimp_step {
  uint32_t struct_size;
  int32_t kind;   /* CHIMP_STEP_* */
  int32_t phase;  /* CHIMP_PHASE_* */
  uint32_t flags; /* CHIMP_STEP_* flags */
  /* Stable id, unique across all loaded plugins: [A-Za-z0-9._-]{1,128}. */
  const char* id;
  const char* description;
  /* SQL: the script (kind SQL) or the condition query (kind CHECK without
   * run). NULL for native steps. */
  const char* sql;
  /* Where the SQL came from, for error messages (e.g. "sql/V2__users.sql");
   * optional. */
  const char* source;
  /* For steps with `run`: "rev:<n>", bumped by the author when the code's
   * effect changes. For SQL the host computes "sha256:<hex>" of the
   * normalised text and ignores this field. */
  const char* checksum;
  /* When the author proposed the step, ISO 8601 (e.g. "2026-11-21");
   * optional. */
  const char* proposed_at;
  chimp_step_fn run; /* native and function checks; NULL otherwise */
  void* user;        /* passed back in chimp_step_ctx.user */
  /* ---- ABI 1.1; read only when struct_size covers them. ---- */
  /* CHIMP_DIALECT_*: how `sql` is split. Default (and for 1.0 plugins):
   * CHIMP_DIALECT_CLIENT. */
  int32_t dialect;
  uint32_t reserved1; /* zero */
  /* The default database the step runs in: NULL = the target database (the
   * host's --database), "" = no default database. Selected before the step's
   * session statements run. */
  const char* database;
  /* Statements run on the session before the step (after the plugin's
   * session_sql), e.g. "SET SESSION sql_mode = 'ANSI_QUOTES'"; split like a
   * client-dialect script. NULL or "" = none. Not part of the checksum. */
  const char* session_sql;
} chimp_step;

/* An upgrade path from one version to another, with its ordered steps. */
typedef struct chimp_edge {
  uint32_t struct_size;
  uint32_t step_count;
  /* Dotted versions, e.g. "4.18.0.0", "4.3.0-rc1". from_version "" (or NULL)
   * is the empty database: the edge that creates the base schema. */
  const char* from_version;
  const char* to_version;
  const char* description;
  const chimp_step* const* steps; /* step_count pointers, in run order */
  /* ---- ABI 1.4; read only when struct_size covers it. ---- */
  /* The schema fingerprints the database must have after this edge, as
   * `chimp fingerprint` prints them: "sha256:<hex>" for the target database
   * and "schema=sha256:<hex>" for another schema, separated by blanks or
   * commas. After the edge the host compares them with the live schemas
   * and fails the run, naming the differences, when one differs. NULL or
   * "" = none. A host of ABI <= 1.3 ignores it. */
  const char* target_fingerprint;
} chimp_edge;

/* What a plugin declares. */
typedef struct chimp_plugin {
  uint32_t struct_size;
  uint32_t abi_major;      /* CHIMP_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* CHIMP_ABI_MINOR the plugin was built with */
  uint32_t min_host_minor; /* the lowest host minor it needs */
  const char* name;        /* [A-Za-z0-9._-]{1,128} */
  const char* version;     /* the plugin's own version, dotted */
  const char* description;
  uint32_t edge_count;
  uint32_t reserved;
  const chimp_edge* const* edges; /* edge_count pointers */
  /* ---- ABI 1.1; read only when struct_size covers them. ---- */
  /* Statements run on the session before every step of this plugin (and
   * before the step's own session_sql); split like a client-dialect script.
   * NULL or "" = none. */
  const char* session_sql;
  /* Repeatable steps: run again whenever their checksum differs from the
   * one of their last successful run (or when they never ran). Each has
   * exactly one of CHIMP_STEP_RUN_BEFORE (before the first edge of a
   * non-empty path, e.g. stored procedures) or CHIMP_STEP_RUN_AFTER (after
   * the last edge, e.g. views); kind SQL or NATIVE; phase EXPAND. Ids share
   * the namespace of edge steps. May be 0 / NULL. */
  uint32_t repeatable_count;
  uint32_t reserved2; /* zero */
  const chimp_step* const* repeatables; /* repeatable_count pointers */
  /* A query whose first column (of the first row) gives the version of a
   * database managed by a legacy upgrader, e.g. "SELECT MAX(version) FROM
   * cloud.version"; used by `chimp baseline`. NULL = none. */
  const char* legacy_version_query;
  /* ---- ABI 1.2; read only when struct_size covers it. ---- */
  /* Stored routines whose CALL may simply run again because they check
   * before they change (CloudStack's idempotent_* procedures), for this
   * plugin's steps: names separated by blanks or commas, case-insensitive,
   * `*` matching any run of characters, optionally `schema.`-qualified (an
   * unqualified pattern matches the routine in any schema). A CALL of one
   * of them needs no pre-image write before it (doc/recovery.md); any other
   * CALL is "unknown". NULL or "" = none. */
  const char* rerunnable_calls;
} chimp_plugin;

/* What the host passes to the entry. Owned by the host; `services` lives for
 * the whole process, the rest only for the duration of the entry call. */
typedef struct chimp_host {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved;
  const char* engine_version; /* e.g. "0.1.0" */
  const chimp_services* services;
  chimp_error_ctx* error_ctx;
  /* Records why the entry refuses or fails; the host copies `message`. */
  void (*set_error)(chimp_error_ctx* ctx, const char* message);
} chimp_host;

/* The one exported function. [thread-safe]. Cheap and pure: no I/O, no
 * threads, no database work, so that discovery and `plugins verify` can run it
 * without a server.
 *
 * On success stores the plugin's descriptor in *out and returns CHIMP_OK. The
 * descriptor is owned by the plugin and must stay valid until unload. To
 * refuse (e.g. host->abi_major differs), call host->set_error and return
 * CHIMP_REFUSED.
 *
 * Rationale: a function rather than an exported data symbol, because dlsym is
 * only guaranteed to work portably for functions, and because the host must
 * speak first so that the plugin can refuse a host it does not support. */
typedef chimp_status (*chimp_plugin_entry_fn)(const chimp_host* host,
                                              const chimp_plugin** out);

/* The prototype every plugin defines (with CHIMP_PLUGIN_EXPORT, and in C++
 * with CHIMP_NOEXCEPT). */
CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host,
                                                    const chimp_plugin** out)
    CHIMP_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---- Sizes of the growable structs as they were at ABI 1.0. A reader
 * needs at least these (every 1.0 field is required); later fields are read
 * with CHIMP_HAS_FIELD. ---- */
#if UINTPTR_MAX == 0xffffffffffffffffu
#define CHIMP_SERVICES_SIZE_1_0 64u
#define CHIMP_STEP_CTX_SIZE_1_0 56u
#define CHIMP_STEP_SIZE_1_0 80u
#define CHIMP_EDGE_SIZE_1_0 40u
#define CHIMP_PLUGIN_SIZE_1_0 56u
#define CHIMP_HOST_SIZE_1_0 48u
#else
/* 32-bit: the offset just past the last 1.0 field. */
#define CHIMP_SERVICES_SIZE_1_0 (offsetof(chimp_services, get_extension) + sizeof(void*))
#define CHIMP_STEP_CTX_SIZE_1_0 (offsetof(chimp_step_ctx, to_version) + sizeof(void*))
#define CHIMP_STEP_SIZE_1_0 (offsetof(chimp_step, user) + sizeof(void*))
#define CHIMP_EDGE_SIZE_1_0 (offsetof(chimp_edge, steps) + sizeof(void*))
#define CHIMP_PLUGIN_SIZE_1_0 (offsetof(chimp_plugin, edges) + sizeof(void*))
#define CHIMP_HOST_SIZE_1_0 (offsetof(chimp_host, set_error) + sizeof(void*))
#endif

/* ---- Layout, pinned. The 1.0 offsets and sizes never change (any change
 * there is an ABI break); each minor adds the offsets of its fields and the
 * new total size. ---- */
#if defined(__cplusplus)
#define CHIMP_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
/* C99 has no _Static_assert: a negative array size fails the build. */
#define CHIMP_STATIC_ASSERT_CAT2(a, b) a##b
#define CHIMP_STATIC_ASSERT_CAT(a, b) CHIMP_STATIC_ASSERT_CAT2(a, b)
#define CHIMP_STATIC_ASSERT(cond, msg) \
  typedef char CHIMP_STATIC_ASSERT_CAT(chimp_static_assert_, __LINE__)[(cond) ? 1 : -1]
#endif
#if UINTPTR_MAX == 0xffffffffffffffffu
CHIMP_STATIC_ASSERT(sizeof(chimp_value) == 40, "chimp_value 1.0 layout");
CHIMP_STATIC_ASSERT(offsetof(chimp_value, i64) == 8, "chimp_value.i64");
CHIMP_STATIC_ASSERT(offsetof(chimp_value, f64) == 16, "chimp_value.f64");
CHIMP_STATIC_ASSERT(offsetof(chimp_value, data) == 24, "chimp_value.data");
CHIMP_STATIC_ASSERT(offsetof(chimp_value, size) == 32, "chimp_value.size");
CHIMP_STATIC_ASSERT(CHIMP_SERVICES_SIZE_1_0 == 64, "chimp_services 1.0 size");
CHIMP_STATIC_ASSERT(sizeof(chimp_services) == 64, "chimp_services 1.1 size (unchanged)");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, execute) == 8, "services.execute");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, query_scalar) == 16, "services.query_scalar");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, query_rows) == 24, "services.query_rows");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, log) == 32, "services.log");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, progress) == 40, "services.progress");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, set_error) == 48, "services.set_error");
CHIMP_STATIC_ASSERT(offsetof(chimp_services, get_extension) == 56, "services.get_extension");
CHIMP_STATIC_ASSERT(CHIMP_STEP_CTX_SIZE_1_0 == 56, "chimp_step_ctx 1.0 size");
CHIMP_STATIC_ASSERT(sizeof(chimp_step_ctx) == 56, "chimp_step_ctx 1.1 size (unchanged)");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, services) == 8, "step_ctx.services");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, session) == 16, "step_ctx.session");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, user) == 24, "step_ctx.user");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, step_id) == 32, "step_ctx.step_id");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, from_version) == 40, "step_ctx.from_version");
CHIMP_STATIC_ASSERT(offsetof(chimp_step_ctx, to_version) == 48, "step_ctx.to_version");
CHIMP_STATIC_ASSERT(CHIMP_STEP_SIZE_1_0 == 80, "chimp_step 1.0 size");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, kind) == 4, "step.kind");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, phase) == 8, "step.phase");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, flags) == 12, "step.flags");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, id) == 16, "step.id");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, description) == 24, "step.description");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, sql) == 32, "step.sql");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, source) == 40, "step.source");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, checksum) == 48, "step.checksum");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, proposed_at) == 56, "step.proposed_at");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, run) == 64, "step.run");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, user) == 72, "step.user");
/* 1.1 */
CHIMP_STATIC_ASSERT(offsetof(chimp_step, dialect) == 80, "step.dialect (1.1)");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, database) == 88, "step.database (1.1)");
CHIMP_STATIC_ASSERT(offsetof(chimp_step, session_sql) == 96, "step.session_sql (1.1)");
CHIMP_STATIC_ASSERT(sizeof(chimp_step) == 104, "chimp_step 1.1 size");
CHIMP_STATIC_ASSERT(CHIMP_EDGE_SIZE_1_0 == 40, "chimp_edge 1.0 size");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, target_fingerprint) == 40, "edge.target_fingerprint (1.4)");
CHIMP_STATIC_ASSERT(sizeof(chimp_edge) == 48, "chimp_edge 1.4 size");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, step_count) == 4, "edge.step_count");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, from_version) == 8, "edge.from_version");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, to_version) == 16, "edge.to_version");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, description) == 24, "edge.description");
CHIMP_STATIC_ASSERT(offsetof(chimp_edge, steps) == 32, "edge.steps");
CHIMP_STATIC_ASSERT(CHIMP_PLUGIN_SIZE_1_0 == 56, "chimp_plugin 1.0 size");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, abi_major) == 4, "plugin.abi_major");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, abi_minor) == 8, "plugin.abi_minor");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, min_host_minor) == 12, "plugin.min_host_minor");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, name) == 16, "plugin.name");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, version) == 24, "plugin.version");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, description) == 32, "plugin.description");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, edge_count) == 40, "plugin.edge_count");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, edges) == 48, "plugin.edges");
/* 1.1 */
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, session_sql) == 56, "plugin.session_sql (1.1)");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, repeatable_count) == 64, "plugin.repeatable_count (1.1)");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, repeatables) == 72, "plugin.repeatables (1.1)");
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, legacy_version_query) == 80, "plugin.legacy_version_query (1.1)");
/* 1.2 */
CHIMP_STATIC_ASSERT(offsetof(chimp_plugin, rerunnable_calls) == 88, "plugin.rerunnable_calls (1.2)");
CHIMP_STATIC_ASSERT(sizeof(chimp_plugin) == 96, "chimp_plugin 1.2 size");
CHIMP_STATIC_ASSERT(CHIMP_HOST_SIZE_1_0 == 48, "chimp_host 1.0 size");
CHIMP_STATIC_ASSERT(sizeof(chimp_host) == 48, "chimp_host 1.1 size (unchanged)");
CHIMP_STATIC_ASSERT(offsetof(chimp_host, abi_minor) == 8, "host.abi_minor");
CHIMP_STATIC_ASSERT(offsetof(chimp_host, engine_version) == 16, "host.engine_version");
CHIMP_STATIC_ASSERT(offsetof(chimp_host, services) == 24, "host.services");
CHIMP_STATIC_ASSERT(offsetof(chimp_host, error_ctx) == 32, "host.error_ctx");
CHIMP_STATIC_ASSERT(offsetof(chimp_host, set_error) == 40, "host.set_error");
#endif

#endif /* CHIMP_PLUGIN_ABI_H_ */
