// The C++ plugin layer (plugin-api/include/chimp/sdk/plugin.hpp) against a fake
// services table: parameter binding, result conversion, the row callback's
// exception path, the trampolines and the entry's ABI negotiation. No
// database; the host's real services are tested in services_test.cpp and
// tests/integration/.
#include <doctest/doctest.h>
#include <chimp/sdk/plugin.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace sdk = chimp::sdk;

// What the fake services saw and will answer. Passed as the (opaque)
// chimp_session pointer; the fake functions cast it back.
struct FakeDb {
  std::string last_sql;
  std::vector<chimp_value> last_params;
  std::vector<std::string> last_texts;  // copies of text/bytes params
  std::vector<std::vector<chimp_value>> rows;
  int rows_delivered = 0;
  chimp_status fail = CHIMP_OK;  // every query service returns this when set
  bool cancelled = false;
  std::string error;  // set_error and service failures
  std::vector<std::string> logs;

  chimp_session* session() { return reinterpret_cast<chimp_session*>(this); }
};

FakeDb* Db(chimp_session* s) { return reinterpret_cast<FakeDb*>(s); }

chimp_status Record(FakeDb* db, const char* sql, const chimp_value* params, uint32_t count) {
  db->last_sql = sql;
  db->last_params.assign(params, params + count);
  db->last_texts.clear();
  for (const chimp_value& v : db->last_params) {
    db->last_texts.emplace_back(v.data != nullptr ? std::string(v.data, v.size) : std::string());
  }
  if (db->fail != CHIMP_OK) db->error = "the fake server refused it";
  return db->fail;
}

chimp_status FakeExecute(chimp_session* s, const char* sql, const chimp_value* params, uint32_t count,
                         uint64_t* affected) noexcept {
  if (affected != nullptr) *affected = 7;
  return Record(Db(s), sql, params, count);
}

chimp_status FakeScalar(chimp_session* s, const char* sql, const chimp_value* params, uint32_t count,
                        chimp_value* out) noexcept {
  FakeDb* db = Db(s);
  *out = chimp_value{};
  if (chimp_status st = Record(db, sql, params, count); st != CHIMP_OK) return st;
  if (!db->rows.empty() && !db->rows[0].empty()) *out = db->rows[0][0];
  return CHIMP_OK;
}

chimp_status FakeRows(chimp_session* s, const char* sql, const chimp_value* params, uint32_t count, chimp_row_fn fn,
                      void* user) noexcept {
  FakeDb* db = Db(s);
  if (chimp_status st = Record(db, sql, params, count); st != CHIMP_OK) return st;
  for (const auto& row : db->rows) {
    ++db->rows_delivered;
    const chimp_status st = fn(user, static_cast<uint32_t>(row.size()), row.data());
    if (st == CHIMP_STOP) return CHIMP_OK;
    if (st != CHIMP_OK) {
      db->error = "row callback stopped the query";
      return st;
    }
  }
  return CHIMP_OK;
}

void FakeLog(chimp_session* s, int32_t level, const char* message) noexcept {
  Db(s)->logs.push_back(std::to_string(level) + " " + message);
}
chimp_status FakeProgress(chimp_session* s, uint64_t, uint64_t) noexcept {
  return Db(s)->cancelled ? CHIMP_CANCELLED : CHIMP_OK;
}
void FakeSetError(chimp_session* s, const char* message) noexcept { Db(s)->error = message; }
const void* FakeExtension(chimp_session*, const char*) noexcept { return nullptr; }

const chimp_services kFake = {
    sizeof(chimp_services), 0, &FakeExecute, &FakeScalar, &FakeRows, &FakeLog, &FakeProgress, &FakeSetError,
    &FakeExtension};

chimp_step_ctx StepCtx(FakeDb& db, void* user = nullptr) {
  chimp_step_ctx ctx{};
  ctx.struct_size = sizeof ctx;
  ctx.services = &kFake;
  ctx.session = db.session();
  ctx.user = user;
  ctx.step_id = "test.step";
  ctx.from_version = "";
  ctx.to_version = "1.0.0";
  return ctx;
}

chimp_value Int(int64_t i) {
  chimp_value v{};
  v.type = CHIMP_TYPE_INT64;
  v.i64 = i;
  return v;
}
chimp_value Text(const char* s) {
  chimp_value v{};
  v.type = CHIMP_TYPE_TEXT;
  v.data = s;
  v.size = std::char_traits<char>::length(s);
  return v;
}
chimp_value Double(double d) {
  chimp_value v{};
  v.type = CHIMP_TYPE_DOUBLE;
  v.f64 = d;
  return v;
}
chimp_value Null() { return chimp_value{}; }

TEST_CASE("sdk: Execute binds typed parameters in order") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  const std::string name = "ada";
  const char* no_text = nullptr;
  const std::vector<uint8_t> blob = {0, 1, 2};
  std::optional<int> none;
  std::optional<int> some = 5;
  const uint64_t affected = ctx.Execute("INSERT ?", 1, int64_t{-2}, 2.5, name, std::string_view("view"), "lit", no_text,
                                        std::nullopt, none, some, sdk::Bytes{"\0x", 2}, blob, true);
  CHECK(affected == 7);
  CHECK(db.last_sql == "INSERT ?");
  REQUIRE(db.last_params.size() == 13);
  const int32_t types[] = {CHIMP_TYPE_INT64, CHIMP_TYPE_INT64, CHIMP_TYPE_DOUBLE, CHIMP_TYPE_TEXT, CHIMP_TYPE_TEXT,
                           CHIMP_TYPE_TEXT,  CHIMP_TYPE_NULL,  CHIMP_TYPE_NULL,   CHIMP_TYPE_NULL, CHIMP_TYPE_INT64,
                           CHIMP_TYPE_BYTES, CHIMP_TYPE_BYTES, CHIMP_TYPE_INT64};
  for (size_t i = 0; i < 13; ++i) {
    CAPTURE(i);
    CHECK(db.last_params[i].type == types[i]);
  }
  CHECK(db.last_params[0].i64 == 1);
  CHECK(db.last_params[1].i64 == -2);
  CHECK(db.last_params[2].f64 == 2.5);
  CHECK(db.last_texts[3] == "ada");
  CHECK(db.last_texts[4] == "view");
  CHECK(db.last_texts[5] == "lit");
  CHECK(db.last_params[9].i64 == 5);
  CHECK(db.last_texts[10] == std::string("\0x", 2));
  CHECK(db.last_texts[11] == std::string("\0\1\2", 3));
  CHECK(db.last_params[12].i64 == 1);

  ctx.Execute("DELETE");
  CHECK(db.last_params.empty());
  CHECK_THROWS_WITH_AS(ctx.Execute("X ?", uint64_t{1} << 63), "parameter 9223372036854775808 does not fit in int64",
                       sdk::Error);
}

TEST_CASE("sdk: Scalar converts the first cell, NULL and no row are nullopt") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  db.rows = {{Int(42)}};
  CHECK(ctx.Scalar<int64_t>("SELECT ?", 1) == 42);
  CHECK(ctx.Scalar<std::string>("SELECT 42") == "42");
  CHECK(ctx.Scalar<double>("SELECT 42") == 42.0);
  db.rows = {{Double(1.5)}};
  CHECK(ctx.Scalar<std::string>("SELECT 1.5") == "1.5");
  db.rows = {{Text("17")}};  // e.g. a DECIMAL
  CHECK(ctx.Scalar<int>("SELECT 17") == 17);
  db.rows = {{Null()}};
  CHECK_FALSE(ctx.Scalar<int64_t>("SELECT NULL").has_value());
  db.rows.clear();
  CHECK_FALSE(ctx.Scalar<int64_t>("SELECT nothing").has_value());

  db.rows = {{Text("abc")}};
  CHECK_THROWS_WITH_AS(ctx.Scalar<int64_t>("SELECT 'abc'"),
                       "query 'SELECT 'abc'': column 1: cannot read text as an integer ('abc')", sdk::Error);
  db.rows = {{Int(300)}};
  CHECK_THROWS_AS(ctx.Scalar<uint8_t>("SELECT 300"), sdk::Error);
}

TEST_CASE("sdk: Rows collects typed tuples") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  db.rows = {{Int(1), Text("one"), Double(1.5)}, {Int(2), Text("two"), Null()}};
  std::vector<std::string> seen;
  for (auto& [id, name, score] : ctx.Rows<int64_t, std::string, std::optional<double>>("SELECT ?", "x")) {
    seen.push_back(std::to_string(id) + name + (score ? std::to_string(*score) : "-"));
  }
  CHECK(seen == std::vector<std::string>{"1one1.500000", "2two-"});
  CHECK(db.last_texts[0] == "x");

  // NULL into a non-optional, and more columns asked than returned.
  CHECK_THROWS_WITH_AS((ctx.Rows<int64_t, std::string, double>("SELECT")),
                       "query 'SELECT': column 3: cannot read NULL as a value (read it as std::optional)", sdk::Error);
  CHECK_THROWS_WITH_AS((ctx.Rows<int64_t, std::string, double, int>("SELECT")),
                       "column 4 requested; the query returned 3", sdk::Error);
}

TEST_CASE("sdk: ForEach takes typed parameters or a Row, and stops on false") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  db.rows = {{Int(1), Text("a")}, {Int(2), Text("b")}, {Int(3), Text("c")}};
  std::string seen;
  ctx.ForEach("SELECT", [&](int64_t id, const std::string& s) { seen += std::to_string(id) + s; });
  CHECK(seen == "1a2b3c");

  db.rows_delivered = 0;
  seen.clear();
  ctx.ForEach("SELECT", [&](const sdk::Row& row) {
    seen += row.Get<std::string>(1);
    return row.Get<int64_t>(0) < 2;
  });
  CHECK(seen == "ab");
  CHECK(db.rows_delivered == 2);
}

TEST_CASE("sdk: an exception in a row callback stops the query and is rethrown as itself") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  db.rows = {{Int(1)}, {Int(2)}, {Int(3)}};
  CHECK_THROWS_WITH_AS(ctx.ForEach("SELECT id",
                                   [&](int64_t id) {
                                     if (id == 2) throw std::logic_error("bad row 2");
                                   }),
                       "bad row 2", std::logic_error);
  CHECK(db.rows_delivered == 2);  // the host was told to stop
}

TEST_CASE("sdk: a failing service throws Error with the host's status") {
  FakeDb db;
  chimp_step_ctx raw = StepCtx(db);
  sdk::Context ctx(&raw);
  db.fail = CHIMP_DB_ERROR;
  try {
    ctx.Execute("BROKEN");
    FAIL("no exception");
  } catch (const sdk::Error& e) {
    CHECK(e.status() == CHIMP_DB_ERROR);
    CHECK(e.reported_by_host());
    CHECK(std::string(e.what()) == "service execute failed with status 6");
  }
  db.fail = CHIMP_OK;
  db.cancelled = true;
  CHECK_THROWS_AS(ctx.Progress(1, 2), sdk::Cancelled);
  ctx.Log("hello", sdk::LogLevel::kWarn);
  CHECK(db.logs == std::vector<std::string>{"2 hello"});
}

// ---- Registration, trampolines and the entry ----

int declare_calls = 0;
bool declare_throws = false;

void Declare(sdk::Plugin& plugin) {
  ++declare_calls;
  if (declare_throws) throw std::runtime_error("not today");
  plugin.MinHostMinor(0);
  plugin.Edge("", "1.0.0", "base")
      .Sql("t.sql", "SQL", "CREATE TABLE t (id INT)", sdk::kDdl | sdk::kIdempotent | sdk::ProposedAt("2026-01-01"))
      .Native("t.throws", "Throws", "rev:2", [](sdk::Context&) { throw std::runtime_error("it broke"); })
      .Native("t.service", "Service fails", "rev:1", [](sdk::Context& ctx) { ctx.Execute("X"); })
      .Native("t.ok", "OK", "rev:1", [](sdk::Context& ctx) { ctx.Log(std::string(ctx.to_version())); })
      .Check("t.false", "False", "rev:1", [](sdk::Context&) { return false; })
      .Check("t.reason", "Reason", "rev:1", [](sdk::Context&) -> bool { throw sdk::CheckFailed("3 rows are wrong"); })
      .Check("t.query", "Query", "SELECT 1", sdk::kCleanup);
}

struct HostErrors {
  std::string message;
};
void HostSetError(chimp_error_ctx* ctx, const char* message) noexcept {
  reinterpret_cast<HostErrors*>(ctx)->message = message;
}

chimp_host Host(HostErrors& errors, uint32_t major = CHIMP_ABI_MAJOR) {
  chimp_host host{};
  host.struct_size = sizeof host;
  host.abi_major = major;
  host.abi_minor = 3;
  host.engine_version = "9.9.9";
  host.services = &kFake;
  host.error_ctx = reinterpret_cast<chimp_error_ctx*>(&errors);
  host.set_error = &HostSetError;
  return host;
}

TEST_CASE("sdk: the entry refuses another ABI major, and builds the descriptor once") {
  HostErrors errors;
  const chimp_plugin* out = nullptr;
  chimp_host v2 = Host(errors, 2);
  CHECK(sdk::EntryImpl<&Declare>(&v2, &out, "t", "1.0.0", "test") == CHIMP_REFUSED);
  CHECK(errors.message == "plugin 't' was built for chimp ABI 1.x; the host speaks ABI 2.3");
  CHECK(out == nullptr);
  CHECK(sdk::EntryImpl<&Declare>(nullptr, &out, "t", "1.0.0", "test") == CHIMP_BAD_ARGUMENT);

  // A registration that throws fails the entry; a later call tries again.
  chimp_host host = Host(errors);
  declare_throws = true;
  CHECK(sdk::EntryImpl<&Declare>(&host, &out, "t", "1.0.0", "test") == CHIMP_ERROR);
  CHECK(errors.message == "not today");
  declare_throws = false;
  const int calls = declare_calls;
  REQUIRE(sdk::EntryImpl<&Declare>(&host, &out, "t", "1.0.0", "test") == CHIMP_OK);
  const chimp_plugin* again = nullptr;
  REQUIRE(sdk::EntryImpl<&Declare>(&host, &again, "t", "1.0.0", "test") == CHIMP_OK);
  CHECK(again == out);
  CHECK(declare_calls == calls + 1);

  REQUIRE(out != nullptr);
  CHECK(out->struct_size == sizeof(chimp_plugin));
  CHECK(out->abi_major == CHIMP_ABI_MAJOR);
  CHECK(out->abi_minor == CHIMP_ABI_MINOR);
  CHECK(std::string(out->name) == "t");
  REQUIRE(out->edge_count == 1);
  const chimp_edge* edge = out->edges[0];
  CHECK(std::string(edge->from_version).empty());
  CHECK(std::string(edge->to_version) == "1.0.0");
  REQUIRE(edge->step_count == 7);
  const chimp_step* sql = edge->steps[0];
  CHECK(sql->kind == CHIMP_STEP_SQL);
  CHECK(sql->flags == (CHIMP_STEP_HAS_DDL | CHIMP_STEP_IDEMPOTENT));
  CHECK(std::string(sql->proposed_at) == "2026-01-01");
  CHECK(sql->checksum == nullptr);
  CHECK((sql->run == nullptr));
  const chimp_step* native = edge->steps[1];
  CHECK(native->kind == CHIMP_STEP_NATIVE);
  CHECK(native->sql == nullptr);
  CHECK(std::string(native->checksum) == "rev:2");
  CHECK(edge->steps[6]->phase == CHIMP_PHASE_CLEANUP);
  CHECK(std::string(edge->steps[6]->sql) == "SELECT 1");
}

TEST_CASE("sdk: the trampolines turn exceptions into statuses and reasons") {
  HostErrors errors;
  chimp_host host = Host(errors);
  const chimp_plugin* plugin = nullptr;
  REQUIRE(sdk::EntryImpl<&Declare>(&host, &plugin, "t", "1.0.0", "test") == CHIMP_OK);
  const chimp_edge* edge = plugin->edges[0];
  auto run = [&](size_t index, FakeDb& db) {
    chimp_step_ctx ctx = StepCtx(db, edge->steps[index]->user);
    return edge->steps[index]->run(&ctx);
  };

  FakeDb throws;
  CHECK(run(1, throws) == CHIMP_ERROR);
  CHECK(throws.error == "it broke");

  FakeDb service;  // the host's reason stays: the trampoline does not overwrite it
  service.fail = CHIMP_DB_ERROR;
  CHECK(run(2, service) == CHIMP_DB_ERROR);
  CHECK(service.error == "the fake server refused it");

  FakeDb ok;
  CHECK(run(3, ok) == CHIMP_OK);
  CHECK(ok.logs == std::vector<std::string>{"1 1.0.0"});
  CHECK(ok.error.empty());

  FakeDb is_false;
  CHECK(run(4, is_false) == CHIMP_CHECK_FAILED);
  CHECK(is_false.error == "the check's condition is false");

  FakeDb reason;
  CHECK(run(5, reason) == CHIMP_CHECK_FAILED);
  CHECK(reason.error == "3 rows are wrong");

  CHECK(edge->steps[1]->run(nullptr) == CHIMP_BAD_ARGUMENT);
}

TEST_CASE("sdk: options combine") {
  constexpr sdk::StepOptions o = sdk::kDdl | sdk::kCleanup | sdk::ProposedAt("2026-02-03") | sdk::kIdempotent;
  static_assert(o.flags == (CHIMP_STEP_HAS_DDL | CHIMP_STEP_IDEMPOTENT));
  static_assert(o.phase == CHIMP_PHASE_CLEANUP);
  CHECK(std::string(o.proposed_at) == "2026-02-03");
  CHECK(o.source == nullptr);
}

}  // namespace
