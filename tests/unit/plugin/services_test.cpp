// The services table and RunNativeStep without a database: argument checks,
// error texts, cancellation, and the C++ layer's trampolines run through real
// fixture plugins. What needs a server is in tests/integration/.
#include "plugin/services.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "chimp/loader.hpp"

namespace chimp {
namespace {

std::string Fixture(const std::string& name) {
  return std::filesystem::canonical(std::filesystem::path(CHIMP_TEST_PLUGIN_DIR) / name / (name + ".so")).string();
}

LoadedPlugin Load(const std::string& fixture) {
  auto loaded = LoadPlugin(Fixture(fixture));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  return std::move(loaded).value();
}

const Step& FindStep(const LoadedPlugin& plugin, const std::string& id, const Edge** edge) {
  for (const Edge& e : plugin.edges) {
    for (const Step& s : e.steps) {
      if (s.id == id) {
        *edge = &e;
        return s;
      }
    }
  }
  FAIL("no step " << id);
  throw 0;  // unreachable
}

Status RunFixtureStep(const std::string& fixture, const std::string& id, const NativeStepOptions& options = {}) {
  static std::vector<std::unique_ptr<LoadedPlugin>> keep;  // the Edge outlives the call
  keep.push_back(std::make_unique<LoadedPlugin>(Load(fixture)));
  const Edge* edge = nullptr;
  const Step& step = FindStep(*keep.back(), id, &edge);
  return TEST_RunNativeStepWithoutConnection(step, *edge, options);
}

TEST_CASE("services: the table is complete") {
  const chimp_services* services = HostServices();
  REQUIRE(services != nullptr);
  CHECK(services->struct_size == sizeof(chimp_services));
  CHECK((services->execute != nullptr));
  CHECK((services->query_scalar != nullptr));
  CHECK((services->query_rows != nullptr));
  CHECK((services->log != nullptr));
  CHECK((services->progress != nullptr));
  CHECK((services->set_error != nullptr));
  CHECK((services->get_extension != nullptr));
  CHECK(services->get_extension(nullptr, "chimp.anything/1") == nullptr);
}

TEST_CASE("services: bad arguments are refused with a reason") {
  const chimp_services* services = HostServices();
  chimp_session session;
  CHECK(services->execute(nullptr, "SELECT 1", nullptr, 0, nullptr) == CHIMP_BAD_ARGUMENT);
  CHECK(services->progress(nullptr, 1, 2) == CHIMP_BAD_ARGUMENT);
  services->log(nullptr, CHIMP_LOG_INFO, "no session");  // must not crash
  services->set_error(nullptr, "no session");

  CHECK(services->execute(&session, nullptr, nullptr, 0, nullptr) == CHIMP_BAD_ARGUMENT);
  CHECK(session.error == "execute: sql is NULL");
  CHECK(services->query_scalar(&session, "SELECT 1", nullptr, 0, nullptr) == CHIMP_ERROR);
  CHECK(session.error == "query_scalar: no database connection");
  CHECK(services->query_rows(&session, "SELECT 1", nullptr, 0, nullptr, nullptr) == CHIMP_ERROR);
  CHECK(session.error == "query_rows: no database connection");

  services->set_error(&session, "the step's own reason");
  CHECK(session.error == "the step's own reason");
}

TEST_CASE("services: progress reports and cancels") {
  const chimp_services* services = HostServices();
  chimp_session session;
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  session.progress = [&](uint64_t done, uint64_t total) { seen.emplace_back(done, total); };
  CHECK(services->progress(&session, 1, 10) == CHIMP_OK);
  session.cancelled = [] { return true; };
  CHECK(services->progress(&session, 2, 10) == CHIMP_CANCELLED);
  CHECK(session.error == "cancelled by the operator");
  CHECK(seen == std::vector<std::pair<uint64_t, uint64_t>>{{1, 10}, {2, 10}});
}

TEST_CASE("native step: an exception thrown by the step becomes its error") {
  Status s = RunFixtureStep("throws_in_step", "throws_in_step.boom");
  CHECK(s.code() == StatusCode::kStepFailed);
  CHECK(s.message() ==
        "step 'throws_in_step.boom' (" + Fixture("throws_in_step") + "): boom: thrown by the throws_in_step fixture");
}

TEST_CASE("native step: a failing service is reported with the host's reason") {
  Status s = RunFixtureStep("good", "good.1.1.0.fill-upper");
  CHECK(s.code() == StatusCode::kStepFailed);
  CHECK(s.message() == "step 'good.1.1.0.fill-upper' (" + Fixture("good") + "): query_rows: no database connection");

  // A check function whose query fails has failed to run, not failed its check.
  Status check = RunFixtureStep("good", "good.1.1.0.all-filled");
  CHECK(check.code() == StatusCode::kStepFailed);
  CHECK(check.message() ==
        "step 'good.1.1.0.all-filled' (" + Fixture("good") + "): query_scalar: no database connection");
}

TEST_CASE("native step: Progress throws when the operator cancels") {
  NativeStepOptions options;
  std::vector<uint64_t> dones;
  options.progress = [&](uint64_t done, uint64_t) { dones.push_back(done); };
  options.cancelled = [] { return true; };
  Status s = RunFixtureStep("good", "good.1.1.0.fill-upper", options);
  CHECK(s.code() == StatusCode::kStepFailed);
  CHECK(s.message() == "step 'good.1.1.0.fill-upper' (" + Fixture("good") + "): cancelled by the operator");
  CHECK(dones == std::vector<uint64_t>{0});
}

// Steps written against the raw ABI, to reach every status RunNativeStep maps.
chimp_status FailCheck(const chimp_step_ctx* ctx) noexcept {
  ctx->services->set_error(ctx->session, "3 books are on loan without a loan row");
  return CHIMP_CHECK_FAILED;
}
chimp_status OddStatus(const chimp_step_ctx* ctx) noexcept {
  ctx->services->set_error(ctx->session, "odd");
  return 42;
}
chimp_status Silent(const chimp_step_ctx*) noexcept { return CHIMP_ERROR; }
chimp_status Echo(const chimp_step_ctx* ctx) noexcept {
  const std::string seen = std::string(ctx->step_id) + " " + ctx->from_version + "->" + ctx->to_version + " " +
                           static_cast<const char*>(ctx->user);
  ctx->services->set_error(ctx->session, seen.c_str());
  return CHIMP_ERROR;
}

TEST_CASE("native step: statuses map to chimp statuses") {
  auto info = std::make_shared<PluginInfo>();
  info->file = "/plugins/raw.so";
  Edge edge;
  edge.from = Version::Parse("1.0", "test").value();
  edge.to = Version::Parse("2.0", "test").value();
  edge.plugin = info;
  Step step;
  step.id = "raw.step";

  step.kind = StepKind::kCheck;
  step.run = &FailCheck;
  Status check = TEST_RunNativeStepWithoutConnection(step, edge);
  CHECK(check.code() == StatusCode::kCheckFailed);
  CHECK(check.message() == "check 'raw.step' (/plugins/raw.so) failed: 3 books are on loan without a loan row");

  step.kind = StepKind::kNative;
  Status not_a_check = TEST_RunNativeStepWithoutConnection(step, edge);
  CHECK(not_a_check.code() == StatusCode::kStepFailed);
  CHECK(not_a_check.message() == "step 'raw.step' (/plugins/raw.so): 3 books are on loan without a loan row");

  step.run = &OddStatus;
  Status odd = TEST_RunNativeStepWithoutConnection(step, edge);
  CHECK(odd.code() == StatusCode::kStepFailed);
  CHECK(odd.message() == "step 'raw.step' (/plugins/raw.so): returned status 42 (unknown): odd");

  step.run = &Silent;
  CHECK(TEST_RunNativeStepWithoutConnection(step, edge).message() ==
        "step 'raw.step' (/plugins/raw.so): returned status 1 (error) without a reason");

  static char user[] = "user-data";
  step.run = &Echo;
  step.user = user;
  CHECK(TEST_RunNativeStepWithoutConnection(step, edge).message() ==
        "step 'raw.step' (/plugins/raw.so): raw.step 1.0->2.0 user-data");

  step.run = nullptr;
  CHECK(TEST_RunNativeStepWithoutConnection(step, edge).code() == StatusCode::kInternal);
}

}  // namespace
}  // namespace chimp
