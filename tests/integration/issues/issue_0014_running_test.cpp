// Issue 14, item 1, from another terminal: while a native step runs (one
// that runs in a transaction with its changelog row), `chimp status` in
// another process shows the running step, since when, by which host and
// pid, the progress it last reported with its rate, and the statement the
// server executes for it. The fixture is tests/plugins/running_status.cpp:
// its step reports 2/4 and then waits for a named lock the test holds.
#include <doctest/doctest.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;
using test::Target;

test::CliRun RunOn(const Target& t, const std::string& command, const std::vector<std::string>& more) {
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options;
  options.password = server.password;
  return test::RunCli(CHIMP_BINARY,
                      Args({server.flags, t.Common(command), {"--plugins", test::FixtureDir("running_status")}, more}),
                      options);
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

TEST_CASE("issue 14.1: status in another process shows the running native step, its progress and the server's work") {
  Target t("i14_running");
  auto gate = test::TestServer::Shared().Connect();
  const Value name[] = {Value::Text("chimp-gate:" + t.db)};
  auto got = gate->QueryScalar("SELECT GET_LOCK(?, 0)", name);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());

  test::CliRun migrate;
  std::thread run([&] { migrate = RunOn(t, "migrate", {"-q"}); });
  // Until the step has reported 2/4 (written once it ran 2 s) and waits.
  nlohmann::json doc;
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    test::CliRun status = RunOn(t, "status", {"--format", "json"});
    if (status.out.empty()) continue;
    doc = nlohmann::json::parse(status.out, nullptr, false);
    seen = doc.is_object() && doc["running"].is_object() && doc["running"]["progress"].is_object() &&
           doc["running"]["progress"]["done"] == 2 && doc["running"]["server"].is_object() &&
           Contains(doc["running"]["server"]["query"].get<std::string>(), "GET_LOCK");
  }
  INFO("status JSON: " << doc.dump());
  test::CliRun text = RunOn(t, "status", {});
  (void)gate->QueryScalar("SELECT RELEASE_LOCK(?)", name);
  run.join();
  INFO("migrate stdout: " << migrate.out << "\nstderr: " << migrate.err);
  CHECK(migrate.code == 0);
  REQUIRE(seen);
  const nlohmann::json& running = doc["running"];
  CHECK(running["step_id"] == "running.fill");
  CHECK(running["kind"] == "native");
  CHECK(running["progress"]["total"] == 4);
  CHECK(running["progress"]["rate_per_s"].is_number());
  CHECK(running["progress"]["eta_s"].is_number());
  CHECK(running["pid"].get<int64_t>() > 0);
  CHECK(running["host"] == HostName());
  CHECK(running["elapsed_s"].get<double>() >= 2.0);
  CHECK(running["server"]["state"].get<std::string>().size() > 0);
  CHECK(doc["run_in_progress"] == true);
  CHECK(doc["exit_code"] == 0);  // a step a live run executes is no reason to fail

  INFO("status text: " << text.out << text.err);
  CHECK(text.code == 0);
  CHECK(Contains(text.out, "Running:          step 'running.fill' (native, (empty) -> 1.0.0) since "));
  CHECK(Contains(text.out, "  progress:       2/4 (50 %), "));
  CHECK(Contains(text.out, "  server:         connection "));
  CHECK(Contains(text.out, "GET_LOCK(CONCAT('chimp-gate:', DATABASE()), 60)"));
  CHECK(Contains(text.out, " on host " + HostName()));

  // Once the run is over, nothing runs and the step succeeded.
  test::CliRun after = RunOn(t, "status", {"--format", "json"});
  nlohmann::json done = nlohmann::json::parse(after.out, nullptr, false);
  REQUIRE(done.is_object());
  CHECK(done["running"].is_null());
  CHECK(done["failed"].empty());
  CHECK(done["current_version"] == "1.0.0");
}

TEST_CASE("issue 14.1: a native step without DDL that fails leaves its one row failed, its work rolled back") {
  // The row was committed `running` before the step's transaction: the
  // failure finishes that row rather than adding a second one.
  Target t("i14_native_fails");
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions options;
  options.password = server.password;
  test::CliRun r = test::RunCli(
      CHIMP_BINARY, Args({server.flags, t.Common("migrate"), {"--plugins", test::FixtureDir("progress_fails"), "-q"}}),
      options);
  INFO("stderr: " << r.err);
  CHECK(r.code == 8);
  const std::string rows = "`" + t.changelog + "`.chimp_changelog WHERE step_id = 'progress.fill'";
  CHECK(test::Scalar("", "SELECT COUNT(*) FROM " + rows) == "1");
  CHECK(test::Scalar("", "SELECT status FROM " + rows) == "failed");
  CHECK(Contains(test::Scalar("", "SELECT error FROM " + rows), "the fixture fails after 8 rows"));
  CHECK(test::Scalar(t.db, "SELECT COUNT(*) FROM pr_items") == "0");
}

TEST_CASE("issue 14.1: a native step without DDL killed while it runs is closed as interrupted and runs once again") {
  // Its row was committed `running` before its transaction: after a
  // SIGKILL the row stays, status says the run is gone, and the next run
  // closes the row and runs the step from the start, its first attempt's
  // rows rolled back with the transaction.
  Target t("i14_native_killed");
  auto gate = test::TestServer::Shared().Connect();
  const Value name[] = {Value::Text("chimp-gate:" + t.db)};
  REQUIRE(gate->QueryScalar("SELECT GET_LOCK(?, 0)", name).ok());
  const std::string rows = "`" + t.changelog + "`.chimp_changelog WHERE step_id = 'running.fill'";
  test::ServerFlags server = test::TestServerFlags();
  test::CliOptions killing;
  killing.password = server.password;
  killing.kill_when = [&] {
    // Once it reported 2/4: it has inserted two rows and waits for the gate.
    return test::Scalar("", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + t.changelog +
                                "' AND TABLE_NAME = 'chimp_changelog'") == "1" &&
           test::Scalar("", "SELECT COUNT(*) FROM " + rows + " AND status = 'running' AND progress_done = 2") == "1";
  };
  test::CliRun killed = test::RunCli(
      CHIMP_BINARY, Args({server.flags, t.Common("migrate"), {"--plugins", test::FixtureDir("running_status"), "-q"}}),
      killing);
  REQUIRE(killed.signal == SIGKILL);
  (void)gate->QueryScalar("SELECT RELEASE_LOCK(?)", name);

  test::CliRun status = RunOn(t, "status", {});
  INFO("status: " << status.out << status.err);
  CHECK(status.code == 8);
  CHECK(Contains(status.out, "running (its run is gone)"));

  test::CliRun rerun = RunOn(t, "migrate", {"-q"});
  INFO("rerun: " << rerun.err);
  CHECK(rerun.code == 0);
  CHECK(test::Scalar(t.db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM rs_items") == "1,2,3,4");
  CHECK(test::Scalar("", "SELECT GROUP_CONCAT(status ORDER BY id) FROM " + rows) == "failed,success");
  CHECK(Contains(test::Scalar("", "SELECT error FROM " + rows + " AND status = 'failed'"), "interrupted"));
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
