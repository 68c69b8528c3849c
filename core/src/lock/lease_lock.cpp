// The lease-row lock (LeaseLock) and the choice between it and the named
// lock (AcquireRunLock). See lock.hpp for the protocol.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

#include "changelog/row_reader.hpp"
#include "chimp/lock.hpp"
#include "lock/galera.hpp"
#include "lock/run_lock.hpp"

namespace chimp {

using internal::FormatSeconds;

namespace {

constexpr const char* kLeaseTable = "chimp_lock";
constexpr std::chrono::milliseconds kQuietWait{1000};
constexpr std::chrono::milliseconds kPoll{250};

// The layout is documented in doc/changelog.md; keep the two in step.
constexpr const char* kLeaseColumns = R"(
  target VARCHAR(64) NOT NULL,
  owner CHAR(36) NOT NULL,
  host VARCHAR(255) NOT NULL,
  pid BIGINT NOT NULL,
  connection_id BIGINT UNSIGNED NOT NULL,
  user VARCHAR(300) NOT NULL,
  acquired_at DATETIME(6) NOT NULL,
  heartbeat_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  PRIMARY KEY (target)
)";

std::string LeaseTable(std::string_view schema) { return internal::QualifiedName(schema, kLeaseTable); }

Status EnsureLeaseTable(Connection& conn, const std::string& schema) {
  const std::string context = "lease lock: changelog schema '" + schema + "'";
  CHIMP_RETURN_IF_ERROR(internal::CreateSchema(conn, schema).WithContext(context));
  return internal::CreateTable(conn, schema, kLeaseTable, kLeaseColumns).WithContext(context);
}

// One attempt: drops an expired lease of the target, then tries to insert
// ours. True when ours is in.
Result<bool> TryTake(Connection& conn, const RunLockOptions& o, const std::string& host) {
  const std::string table = LeaseTable(o.changelog_schema);
  const Value target[] = {Value::Text(o.database)};
  auto expired = conn.Execute("DELETE FROM " + table + " WHERE target = ? AND expires_at < NOW(6)", target);
  if (!expired.ok() && expired.status().code() != StatusCode::kDatabaseError) return expired.status();
  const Value params[] = {Value::Text(o.database), Value::Text(o.owner), Value::Text(host),
                          Value::Int(static_cast<int64_t>(::getpid())),
                          Value::Int(static_cast<int64_t>(o.lease_ttl.count()))};
  auto inserted =
      conn.Execute("INSERT IGNORE INTO " + table +
                       " (target, owner, host, pid, connection_id, user, acquired_at, heartbeat_at, expires_at) "
                       "VALUES (?, ?, ?, ?, CONNECTION_ID(), USER(), NOW(6), NOW(6), NOW(6) + INTERVAL ? SECOND)",
                   params);
  if (!inserted.ok()) {
    // A deadlock or a Galera certification conflict means another contender
    // won this round; anything but a lost server is retried.
    if (inserted.status().code() == StatusCode::kDatabaseError) return false;
    return inserted.status();
  }
  return inserted->affected_rows == 1;
}

}  // namespace

const char* LockKindName(LockKind kind) {
  switch (kind) {
    case LockKind::kLease: return "lease";
    case LockKind::kAuto: return "auto";
    case LockKind::kNamed: break;
  }
  return "named";
}

std::optional<LockKind> ParseLockKind(std::string_view name) {
  for (LockKind kind : {LockKind::kNamed, LockKind::kLease, LockKind::kAuto}) {
    if (name == LockKindName(kind)) return kind;
  }
  return std::nullopt;
}

namespace internal {

std::string LeaseHolderText(const LockHolder& h) {
  std::string out = "run " + h.lease_owner + " (pid " + std::to_string(h.lease_pid) + " on host " + h.lease_host;
  if (h.connection_id != 0) out += ", connection " + std::to_string(h.connection_id) + " " + h.user;
  out += ")";
  if (!h.lease_acquired_at.empty()) out += " since " + h.lease_acquired_at.substr(0, 19);
  if (h.lease_heartbeat_age_s >= 0) {
    out += ", last heartbeat " + std::to_string(h.lease_heartbeat_age_s) + " s ago";
  }
  if (h.lease_expires_in_s >= 0) {
    out += ", expires in " + std::to_string(h.lease_expires_in_s) + " s unless renewed";
  } else {
    out += ", expired";
  }
  return out;
}

}  // namespace internal

Result<LockHolder> FindLeaseHolder(Connection& conn, std::string_view schema, std::string_view database) {
  LockHolder holder;
  const Value params[] = {Value::Text(std::string(database))};
  auto rows = conn.Query(
      "SELECT owner, host, pid, connection_id, user, DATE_FORMAT(acquired_at, '%Y-%m-%d %H:%i:%s'), "
      "TIMESTAMPDIFF(SECOND, heartbeat_at, NOW(6)), "
      "FLOOR(TIMESTAMPDIFF(MICROSECOND, NOW(6), expires_at) / 1000000) FROM " +
          LeaseTable(schema) + " WHERE target = ?",
      params);
  if (!rows.ok()) return rows.status().WithContext("lease lock: reading the holder");
  if (rows->rows.empty()) return holder;
  internal::RowReader r(rows->rows[0]);
  holder.lease_owner = r.Text();
  holder.lease_host = r.Text();
  holder.lease_pid = r.Int();
  holder.connection_id = static_cast<uint64_t>(r.Int());
  holder.user = r.Text();
  holder.lease_acquired_at = r.Text();
  holder.lease_heartbeat_age_s = r.Int(-1);
  holder.lease_expires_in_s = r.Int(-1);
  holder.seconds_held_or_connected = -1;
  return holder;
}

Result<std::unique_ptr<LeaseLock>> LeaseLock::Acquire(Connection& conn, const RunLockOptions& options,
                                                      std::function<void(const LockHolder&)> on_wait) {
  if (options.owner.empty()) return Status::InvalidArgument("lease lock: no owner (run id) given");
  if (options.database.empty()) return Status::InvalidArgument("lease lock: no target database given");
  if (options.lease_ttl.count() < 1) {
    return Status::InvalidArgument("lease lock: the lease must last at least 1 s ([changelog] lease_seconds)");
  }
  CHIMP_RETURN_IF_ERROR(EnsureLeaseTable(conn, options.changelog_schema));
  const std::string name = "lease " + options.changelog_schema + "." + kLeaseTable + "/" + options.database;
  const std::string host = internal::HostName();
  const auto total =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::max(options.timeout, std::chrono::seconds(0)));
  const auto start = std::chrono::steady_clock::now();
  std::minstd_rand jitter(static_cast<unsigned>(::getpid()));
  bool told = false;
  while (true) {
    CHIMP_ASSIGN_OR_RETURN(bool taken, TryTake(conn, options, host));
    if (taken) break;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (elapsed >= total) {
      CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLeaseHolder(conn, options.changelog_schema, options.database));
      return Status::LockTimeout("migration " + name + " on " + conn.Describe() + " not acquired within " +
                                 FormatSeconds(total) + ": held by " + holder.ToString());
    }
    if (!told && elapsed >= kQuietWait) {
      told = true;
      CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLeaseHolder(conn, options.changelog_schema, options.database));
      if (on_wait && !holder.lease_owner.empty()) on_wait(holder);
    }
    auto pause = kPoll + std::chrono::milliseconds(jitter() % 100);
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(pause, total - elapsed));
  }
  std::unique_ptr<LeaseLock> lock(new LeaseLock(conn, options, name));
  lock->heartbeat_ = std::thread([raw = lock.get()] { raw->HeartbeatLoop(); });
  return lock;
}

LeaseLock::LeaseLock(Connection& conn, RunLockOptions options, std::string name)
    : conn_(conn), options_(std::move(options)), name_(std::move(name)) {}

void LeaseLock::HeartbeatLoop() {
  const auto interval = std::max<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease_ttl) / 3, std::chrono::seconds(1));
  const std::string table = LeaseTable(options_.changelog_schema);
  std::unique_ptr<Connection> conn;
  auto last_renewal = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    std::string lost;
    if (conn == nullptr) {
      ConnectionOptions o = options_.heartbeat_connection;
      o.database.clear();
      auto opened = Connection::Open(o);
      if (opened.ok()) conn = std::move(opened).value();
    }
    if (conn != nullptr) {
      const Value params[] = {Value::Int(static_cast<int64_t>(options_.lease_ttl.count())),
                              Value::Text(options_.database), Value::Text(options_.owner)};
      auto renewed = conn->Execute("UPDATE " + table +
                                       " SET heartbeat_at = NOW(6), expires_at = NOW(6) + INTERVAL ? SECOND "
                                       "WHERE target = ? AND owner = ?",
                                   params);
      if (renewed.ok() && renewed->affected_rows >= 1) {
        last_renewal = std::chrono::steady_clock::now();
      } else if (renewed.ok()) {
        auto holder = FindLeaseHolder(*conn, options_.changelog_schema, options_.database);
        lost = "the lease row of run " + options_.owner + " is gone" +
               (holder.ok() && !holder->lease_owner.empty() ? "; now held by " + holder->ToString() : std::string());
      } else {
        conn.reset();  // reconnect on the next beat
      }
    }
    if (lost.empty() && std::chrono::steady_clock::now() - last_renewal > options_.lease_ttl) {
      lost = "no heartbeat reached the server for longer than the lease (" +
             std::to_string(options_.lease_ttl.count()) + " s); another run may have taken it over";
    }
    lock.lock();
    if (!lost.empty()) {
      lost_ = lost;
      break;
    }
  }
}

void LeaseLock::StopHeartbeat() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void LeaseLock::TEST_StopHeartbeat() { StopHeartbeat(); }

Status LeaseLock::CheckHeld() {
  std::lock_guard<std::mutex> guard(mu_);
  if (!held_) return Status::FailedPrecondition("migration " + name_ + " was released");
  if (!lost_.empty()) return internal::LostLock("migration " + name_, lost_);
  return Status::Ok();
}

Status LeaseLock::Release() {
  StopHeartbeat();
  if (!held_) return Status::Ok();
  held_ = false;
  const Value params[] = {Value::Text(options_.database), Value::Text(options_.owner)};
  CHIMP_ASSIGN_OR_RETURN(ExecInfo info, conn_.Execute("DELETE FROM " + LeaseTable(options_.changelog_schema) +
                                                          " WHERE target = ? AND owner = ?",
                                                      params));
  if (info.affected_rows != 1) {
    return Status::FailedPrecondition("migration " + name_ + " on " + conn_.Describe() + " was no longer held by run " +
                                      options_.owner + " at release (it expired and was taken over, or was removed)");
  }
  return Status::Ok();
}

LeaseLock::~LeaseLock() {
  Status ignored = Release();
  (void)ignored;
}

Result<std::unique_ptr<RunLock>> AcquireRunLock(Connection& conn, const RunLockOptions& options,
                                                std::function<void(const LockHolder&)> on_wait) {
  RunLockOptions resolved = options;
  CHIMP_ASSIGN_OR_RETURN(resolved.kind, internal::ResolveLockKind(conn, options.kind));
  return internal::AcquireResolvedRunLock(conn, resolved, std::move(on_wait));
}

namespace internal {

Result<std::unique_ptr<RunLock>> AcquireResolvedRunLock(Connection& conn, const RunLockOptions& options,
                                                        std::function<void(const LockHolder&)> on_wait) {
  if (options.kind == LockKind::kLease) {
    CHIMP_ASSIGN_OR_RETURN(auto lease, LeaseLock::Acquire(conn, options, std::move(on_wait)));
    return std::unique_ptr<RunLock>(std::move(lease));
  }
  CHIMP_ASSIGN_OR_RETURN(auto named,
                         MigrationLock::Acquire(conn, options.database, options.timeout, std::move(on_wait)));
  return std::unique_ptr<RunLock>(std::move(named));
}

}  // namespace internal

}  // namespace chimp
