// The ABI stability guard, at compile time (issue 5; STYLE.md rule 23): every
// field of ABI 1.0 has the same offset and size in the current
// plugin_abi.h as in the frozen 1.0 copy (tests/abi/v1_0, never edited), the
// frozen struct chimp_value has the same size, every growable struct is at
// least as large as at 1.0, and the 1.0 constants keep their values. A
// change to any of them fails the build of this file (static_assert) and, in
// a build that somehow got past that, this test.
//
// Both headers are read in one translation unit: the current one as usual,
// the frozen one inside namespace frozen_1_0. The frozen header's macros are
// undefined first so that it can define them again (its list never changes),
// and its entry prototype is renamed so that two C-linkage declarations with
// different parameter types do not clash. Its own 1.0 static_asserts run
// too.
#include <doctest/doctest.h>
#include <stddef.h>
#include <stdint.h>

#include <string>

#include "chimp/plugin_abi.h"

namespace current {
inline constexpr unsigned kAbiMajor = CHIMP_ABI_MAJOR;
inline constexpr unsigned kAbiMinor = CHIMP_ABI_MINOR;
}  // namespace current

#undef CHIMP_PLUGIN_ABI_H_
#undef CHIMP_ABI_MAJOR
#undef CHIMP_ABI_MINOR
#undef CHIMP_PLUGIN_ENTRY_SYMBOL
#undef CHIMP_PLUGIN_EXPORT
#undef CHIMP_NOEXCEPT
#undef CHIMP_HAS_FIELD
#undef CHIMP_STATIC_ASSERT
#undef CHIMP_STATIC_ASSERT_CAT2
#undef CHIMP_STATIC_ASSERT_CAT
#define chimp_plugin_entry chimp_plugin_entry_frozen_1_0
namespace frozen_1_0 {
#include "abi/v1_0/include/chimp/plugin_abi.h"
inline constexpr unsigned kAbiMajor = CHIMP_ABI_MAJOR;
inline constexpr unsigned kAbiMinor = CHIMP_ABI_MINOR;
}  // namespace frozen_1_0
#undef chimp_plugin_entry

// Every field of ABI 1.0: X(struct, field).
// The X-macro lists keep one row per struct; clang-format would reflow them.
// clang-format off
#define CHIMP_ABI_1_0_FIELDS(X)                                                                      \
  X(chimp_value, type) X(chimp_value, reserved) X(chimp_value, i64) X(chimp_value, f64)              \
  X(chimp_value, data) X(chimp_value, size)                                                          \
  X(chimp_services, struct_size) X(chimp_services, reserved) X(chimp_services, execute)              \
  X(chimp_services, query_scalar) X(chimp_services, query_rows) X(chimp_services, log)               \
  X(chimp_services, progress) X(chimp_services, set_error) X(chimp_services, get_extension)          \
  X(chimp_step_ctx, struct_size) X(chimp_step_ctx, reserved) X(chimp_step_ctx, services)             \
  X(chimp_step_ctx, session) X(chimp_step_ctx, user) X(chimp_step_ctx, step_id)                      \
  X(chimp_step_ctx, from_version) X(chimp_step_ctx, to_version)                                      \
  X(chimp_step, struct_size) X(chimp_step, kind) X(chimp_step, phase) X(chimp_step, flags)           \
  X(chimp_step, id) X(chimp_step, description) X(chimp_step, sql) X(chimp_step, source)              \
  X(chimp_step, checksum) X(chimp_step, proposed_at) X(chimp_step, run) X(chimp_step, user)          \
  X(chimp_edge, struct_size) X(chimp_edge, step_count) X(chimp_edge, from_version)                   \
  X(chimp_edge, to_version) X(chimp_edge, description) X(chimp_edge, steps)                          \
  X(chimp_plugin, struct_size) X(chimp_plugin, abi_major) X(chimp_plugin, abi_minor)                 \
  X(chimp_plugin, min_host_minor) X(chimp_plugin, name) X(chimp_plugin, version)                     \
  X(chimp_plugin, description) X(chimp_plugin, edge_count) X(chimp_plugin, reserved)                 \
  X(chimp_plugin, edges)                                                                             \
  X(chimp_host, struct_size) X(chimp_host, abi_major) X(chimp_host, abi_minor) X(chimp_host, reserved) \
  X(chimp_host, engine_version) X(chimp_host, services) X(chimp_host, error_ctx) X(chimp_host, set_error)

#define CHIMP_ABI_1_0_STRUCTS(X) \
  X(chimp_services) X(chimp_step_ctx) X(chimp_step) X(chimp_edge) X(chimp_plugin) X(chimp_host)

#define CHIMP_ABI_1_0_CONSTANTS(X)                                                                     \
  X(CHIMP_OK) X(CHIMP_ERROR) X(CHIMP_REFUSED) X(CHIMP_CANCELLED) X(CHIMP_CHECK_FAILED)                 \
  X(CHIMP_BAD_ARGUMENT) X(CHIMP_DB_ERROR) X(CHIMP_STOP) X(CHIMP_STEP_SQL) X(CHIMP_STEP_NATIVE)         \
  X(CHIMP_STEP_CHECK) X(CHIMP_PHASE_EXPAND) X(CHIMP_PHASE_CLEANUP) X(CHIMP_STEP_HAS_DDL)               \
  X(CHIMP_STEP_IDEMPOTENT) X(CHIMP_TYPE_NULL) X(CHIMP_TYPE_INT64) X(CHIMP_TYPE_DOUBLE)                 \
  X(CHIMP_TYPE_TEXT) X(CHIMP_TYPE_BYTES) X(CHIMP_LOG_DEBUG) X(CHIMP_LOG_INFO) X(CHIMP_LOG_WARN)        \
  X(CHIMP_LOG_ERROR)

// clang-format on

// ---- Compile time. ----
#define CHIMP_ASSERT_FIELD(type, field)                                       \
  static_assert(offsetof(::type, field) == offsetof(frozen_1_0::type, field), \
                #type "." #field ": offset differs from ABI 1.0");            \
  static_assert(sizeof(::type::field) == sizeof(frozen_1_0::type::field),     \
                #type "." #field ": size differs from ABI 1.0");
CHIMP_ABI_1_0_FIELDS(CHIMP_ASSERT_FIELD)
#undef CHIMP_ASSERT_FIELD

#define CHIMP_ASSERT_GROWS(type) \
  static_assert(sizeof(::type) >= sizeof(frozen_1_0::type), #type ": smaller than at ABI 1.0");
CHIMP_ABI_1_0_STRUCTS(CHIMP_ASSERT_GROWS)
#undef CHIMP_ASSERT_GROWS

#define CHIMP_ASSERT_CONSTANT(name) \
  static_assert(static_cast<long long>(::name) == static_cast<long long>(frozen_1_0::name), #name " changed");
CHIMP_ABI_1_0_CONSTANTS(CHIMP_ASSERT_CONSTANT)
#undef CHIMP_ASSERT_CONSTANT

static_assert(sizeof(::chimp_value) == sizeof(frozen_1_0::chimp_value), "chimp_value is frozen: it never grows");
static_assert(current::kAbiMajor == 1, "the major changed: ABI 1.0 plugins no longer load");

namespace {

struct FieldLayout {
  const char* name;
  size_t frozen_offset, current_offset, frozen_size, current_size;
};

const FieldLayout kFields[] = {
#define CHIMP_FIELD_ROW(type, field)                                                                              \
  {#type "." #field, offsetof(frozen_1_0::type, field), offsetof(::type, field), sizeof(frozen_1_0::type::field), \
   sizeof(::type::field)},
    CHIMP_ABI_1_0_FIELDS(CHIMP_FIELD_ROW)
#undef CHIMP_FIELD_ROW
};

TEST_CASE("abi: every ABI 1.0 field keeps its offset and size in the current header") {
  CHECK(sizeof(kFields) / sizeof(kFields[0]) == 59);
  for (const FieldLayout& f : kFields) {
    INFO(f.name);
    CHECK(f.current_offset == f.frozen_offset);
    CHECK(f.current_size == f.frozen_size);
  }
}

TEST_CASE("abi: the current header is a later minor of major 1") {
  CHECK(current::kAbiMajor == frozen_1_0::kAbiMajor);
  CHECK(frozen_1_0::kAbiMinor == 0u);
  // 1.1 appended the SQL dialect, 1.2 the re-runnable CALLs (doc/abi.md); a
  // minor never goes back.
  CHECK(current::kAbiMinor > frozen_1_0::kAbiMinor);
  CHECK(current::kAbiMinor >= 2u);
  CHECK(std::string(CHIMP_PLUGIN_ENTRY_SYMBOL) == "chimp_plugin_entry");
}

#if UINTPTR_MAX == 0xffffffffffffffffu
// The 64-bit numbers of ABI 1.0, written out, so that the frozen copy
// itself cannot drift unnoticed (it is never edited; this says what it holds).
TEST_CASE("abi: the frozen 1.0 sizes on 64-bit") {
  CHECK(sizeof(frozen_1_0::chimp_value) == 40);
  CHECK(sizeof(frozen_1_0::chimp_services) == 64);
  CHECK(sizeof(frozen_1_0::chimp_step_ctx) == 56);
  CHECK(sizeof(frozen_1_0::chimp_step) == 80);
  CHECK(sizeof(frozen_1_0::chimp_edge) == 40);
  CHECK(sizeof(frozen_1_0::chimp_plugin) == 56);
  CHECK(sizeof(frozen_1_0::chimp_host) == 48);
}
#endif

}  // namespace
