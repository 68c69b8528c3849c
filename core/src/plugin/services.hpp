// The host side of the plugin ABI's services table, and the call of a native
// or function-check step.
//
// Native steps reach the database only through the chimp_services table
// (plugin_abi.h); this file implements it over chimp::Connection. Every
// service is noexcept with a catch-all: a failure becomes a chimp_status and
// a reason recorded in the session, which RunNativeStep reports.
#ifndef CHIMP_PLUGIN_SERVICES_HPP_
#define CHIMP_PLUGIN_SERVICES_HPP_

#include <cstdint>
#include <functional>
#include <string>

#include "chimp/connection.hpp"
#include "chimp/model.hpp"
#include "chimp/plugin_abi.h"
#include "chimp/status.hpp"

// One step's session: what the services need to act for the step. Opaque to
// plugins (plugin_abi.h declares it incomplete). Lives on the stack of
// RunNativeStep for the duration of the step's call.
struct chimp_session {
  chimp::Connection* conn = nullptr;  // not owned; null only in TEST_ runs
  std::string step_id;                // for log lines
  // The reason the step fails: the last set_error text or the last service
  // failure, whichever came last. "" when none.
  std::string error;
  // Set when a service call found the server gone: the step then fails as
  // unavailable, whatever status the plugin returns, so the caller retries.
  bool server_lost = false;
  // Backs the text of query_scalar's result until the next call.
  std::string scalar_text;
  // Asked by progress; true = the operator cancelled the run.
  std::function<bool()> cancelled;
  // Told by progress; may be empty.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

namespace chimp {

// "6 (database error)", or "42 (unknown)" for a code plugin_abi.h does not
// name. For messages.
std::string DescribeAbiStatus(chimp_status status);

// The services table handed to every plugin. Lives for the whole process.
// [thread-safe]; each service is [main-thread] for its session.
const chimp_services* HostServices();

struct NativeStepOptions {
  // Polled by services->progress; returning true cancels the step (progress
  // returns CHIMP_CANCELLED). Default: never cancelled.
  std::function<bool()> cancelled;
  // Called on every services->progress. Default: a debug log line.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Runs a native step, or a check step that has a function (`step.run`), of
// `edge` on `conn`. Does not open or commit transactions and writes nothing
// to the changelog: that is the executor's job.
//
// Returns OK when the step returns CHIMP_OK. Otherwise, with <reason> the
// step's set_error text (or the failing service's reason):
//   - a native step:   StepFailed("step '<id>' (<plugin file>): <reason>");
//   - a failed check (CHIMP_CHECK_FAILED from a check step):
//     CheckFailed("check '<id>' (<plugin file>) failed: <reason>");
//   - CHIMP_CANCELLED: StepFailed("step '<id>' (<plugin file>): cancelled by
//     the operator");
//   - a status the ABI does not name is an error like any other:
//     "step '<id>' (<plugin file>): returned status 42 (unknown): <reason>".
// REQUIRES: step.run != nullptr (Internal otherwise). [main-thread]
Status RunNativeStep(const Step& step, const Edge& edge, Connection& conn, const NativeStepOptions& options = {});

// Like RunNativeStep, without a database: every service that needs the
// server fails with "no database connection". For unit tests of the
// trampolines and the error path.
Status TEST_RunNativeStepWithoutConnection(const Step& step, const Edge& edge, const NativeStepOptions& options = {});

}  // namespace chimp

#endif  // CHIMP_PLUGIN_SERVICES_HPP_
