#include "lock/run_owner.hpp"

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "changelog/row_reader.hpp"
#include "lock/run_lock.hpp"
#include "lock/sessions.hpp"
#include "util/log.hpp"

namespace chimp::internal {

namespace {

constexpr std::chrono::milliseconds kPoll{250};
constexpr std::chrono::seconds kTellEvery{10};
// UPTIME has a resolution of one second: two readings of one server's start
// time differ by at most that.
constexpr int64_t kStartSlack = 2;

// The layout is documented in doc/changelog.md; keep the two in step.
constexpr const char* kOwnerColumns =
    "ADD COLUMN IF NOT EXISTS owner_run_id CHAR(36) NOT NULL DEFAULT '', "
    "ADD COLUMN IF NOT EXISTS owner_work_connection BIGINT UNSIGNED NOT NULL DEFAULT 0, "
    "ADD COLUMN IF NOT EXISTS owner_lock_connection BIGINT UNSIGNED NOT NULL DEFAULT 0, "
    "ADD COLUMN IF NOT EXISTS owner_server_started BIGINT NOT NULL DEFAULT 0, "
    "ADD COLUMN IF NOT EXISTS owner_host VARCHAR(255) NOT NULL DEFAULT '', "
    "ADD COLUMN IF NOT EXISTS owner_pid BIGINT NOT NULL DEFAULT 0, "
    "ADD COLUMN IF NOT EXISTS owner_server VARCHAR(512) NOT NULL DEFAULT ''";
// All the owner columns (Claim writes them all: the host and pid came with
// issue 14, the server with issue 15), and the four every chimp that
// records owners writes (WaitForPrevious reads them).
constexpr int kOwnerColumnCount = 7;
constexpr int kFirstOwnerColumns = 4;

std::string Join(const std::vector<SessionInfo>& sessions) {
  std::string out;
  for (const SessionInfo& s : sessions) out += (out.empty() ? "" : "; ") + DescribeSession(s);
  return out;
}

}  // namespace

Result<int64_t> RunOwnership::StateColumns() {
  const Value params[] = {Value::Text(changelog_.schema())};
  CHIMP_ASSIGN_OR_RETURN(auto count,
                         work_.QueryScalar(std::string(kInternalTag) +
                                               "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "
                                               "AND TABLE_NAME = 'chimp_state' AND COLUMN_NAME LIKE 'owner\\_%'",
                                           params));
  return count.has_value() ? IntOf(*count, 0) : 0;
}

Result<RunOwner> RunOwnership::ThisServer(Connection& conn) {
  CHIMP_ASSIGN_OR_RETURN(
      auto rows, conn.Query(std::string(kInternalTag) +
                            "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE, CONCAT_WS(':', @@hostname, @@port, @@socket) "
                            "FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'"));
  RunOwner server;
  if (rows.rows.empty()) return server;
  RowReader r(rows.rows.front());
  server.server_started = r.Int(0);
  server.server = r.Text();
  return server;
}

Status RunOwnership::WaitForPrevious(std::chrono::seconds timeout) {
  CHIMP_ASSIGN_OR_RETURN(bool tables, changelog_.TablesExist());
  if (!tables) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(int64_t columns, StateColumns());
  if (columns < kFirstOwnerColumns) return Status::Ok();  // no engine before this one recorded owners
  const Value params[] = {Value::Text(changelog_.target())};
  CHIMP_ASSIGN_OR_RETURN(auto rows, work_.Query(std::string(kInternalTag) +
                                                    "SELECT owner_run_id, owner_work_connection, "
                                                    "owner_lock_connection, owner_server_started, " +
                                                    (columns >= kOwnerColumnCount ? "owner_server" : "''") + " FROM " +
                                                    changelog_.StateTable() + " WHERE target = ?",
                                                params));
  if (rows.rows.empty()) return Status::Ok();
  RowReader r(rows.rows.front());
  previous_.run_id = r.Text();
  previous_.work_connection = static_cast<uint64_t>(r.Int());
  previous_.lock_connection = static_cast<uint64_t>(r.Int());
  previous_.server_started = r.Int();
  previous_.server = r.Text();
  if (previous_.run_id.empty()) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(RunOwner here, ThisServer(work_));
  if (std::llabs(here.server_started - previous_.server_started) > kStartSlack) return Status::Ok();  // restarted
  if (!previous_.server.empty() && previous_.server != here.server) {
    Log(LogLevel::kInfo, "the previous run " + previous_.run_id + " of '" + changelog_.target() + "' ran on " +
                             previous_.server + ", not on this server (" + here.server +
                             "): its sessions are not visible from here and are not waited for");
    return Status::Ok();
  }

  std::vector<uint64_t> ids;
  for (uint64_t id : {previous_.work_connection, previous_.lock_connection}) {
    if (id != work_.ThreadId() && id != lock_conn_.ThreadId()) ids.push_back(id);
  }
  const auto start = std::chrono::steady_clock::now();
  auto told = start - kTellEvery;
  for (;;) {
    CHIMP_ASSIGN_OR_RETURN(auto alive, FindSessions(work_, ids));
    if (alive.empty()) return Status::Ok();
    const auto now = std::chrono::steady_clock::now();
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    const std::string what = "the sessions the previous run " + previous_.run_id + " of '" + changelog_.target() +
                             "' left on the server (" + Join(alive) + ")";
    if (waited >= timeout) {
      return Status::LockTimeout(what + " still run after " + FormatSeconds(waited) +
                                 " (--lock-timeout). Wait for its statement to end, or end it (KILL <connection>), "
                                 "then run the command again");
    }
    if (now - told >= kTellEvery) {
      told = now;
      Log(LogLevel::kInfo, "waiting up to " + std::to_string(timeout.count()) + " s (--lock-timeout; " +
                               FormatSeconds(std::chrono::duration_cast<std::chrono::seconds>(waited)) +
                               " so far) until " + what + " end");
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Status RunOwnership::Claim() {
  if (claimed_) return Status::Ok();
  CHIMP_ASSIGN_OR_RETURN(bool tables, changelog_.TablesExist());
  if (!tables) return Status::Ok();
  const std::string context = "changelog: recording run " + run_id_ + " as the owner of '" + changelog_.target() + "'";
  CHIMP_ASSIGN_OR_RETURN(int64_t columns, StateColumns());
  if (columns < kOwnerColumnCount) {
    CHIMP_RETURN_IF_ERROR(
        work_.Execute(std::string(kInternalTag) + "ALTER TABLE " + changelog_.StateTable() + " " + kOwnerColumns)
            .status()
            .WithContext(context));
  }
  CHIMP_ASSIGN_OR_RETURN(RunOwner here, ThisServer(work_));
  const Value params[] = {Value::Text(run_id_),
                          Value::Int(static_cast<int64_t>(work_.ThreadId())),
                          Value::Int(static_cast<int64_t>(lock_conn_.ThreadId())),
                          Value::Int(here.server_started),
                          Value::Text(HostName()),
                          Value::Int(static_cast<int64_t>(::getpid())),
                          Value::Text(here.server),
                          Value::Text(changelog_.target()),
                          Value::Text(previous_.run_id)};
  auto updated = work_.Execute(std::string(kInternalTag) + "UPDATE " + changelog_.StateTable() +
                                   " SET owner_run_id = ?, owner_work_connection = ?, owner_lock_connection = ?, "
                                   "owner_server_started = ?, owner_host = ?, owner_pid = ?, owner_server = ? "
                                   "WHERE target = ? AND owner_run_id = ?",
                               params);
  if (!updated.ok()) return updated.status().WithContext(context);
  if (updated->affected_rows == 1) {
    claimed_ = true;
    return Status::Ok();
  }
  const Value target[] = {Value::Text(changelog_.target())};
  CHIMP_ASSIGN_OR_RETURN(auto now, work_.QueryScalar(std::string(kInternalTag) + "SELECT owner_run_id FROM " +
                                                         changelog_.StateTable() + " WHERE target = ?",
                                                     target));
  if (!now.has_value()) return Status::Ok();  // no state row yet
  return Status::LockTimeout(context + ": run " + TextOf(*now) +
                             " recorded itself as the owner after this run took the lock (this run's lock was "
                             "lost); this run stopped before doing anything. Run the command again");
}

}  // namespace chimp::internal
