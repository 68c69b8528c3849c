#include "chimp/lock.hpp"
#include "lock/run_lock.hpp"
#include "lock/sessions.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace chimp {

using internal::FormatSeconds;

namespace {

constexpr size_t kMaxLockName = 64;  // GET_LOCK's limit (MySQL 5.7+)
constexpr std::chrono::milliseconds kQuietWait{1000};
// How often CheckHeld asks the server; in between it only polls the socket.
constexpr std::chrono::milliseconds kAskEvery{1000};
// The largest wait_timeout MariaDB and MySQL accept (one year).
constexpr const char* kIdleForever = "wait_timeout = 31536000";

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// GET_LOCK(name, wait): true when acquired, false when the wait ran out.
Result<bool> GetLock(Connection& conn, const std::string& name, std::chrono::milliseconds wait) {
  std::array<Value, 2> params = {Value::Text(name), Value::Double(static_cast<double>(wait.count()) / 1000.0)};
  CHIMP_ASSIGN_OR_RETURN(std::optional<Value> got, conn.QueryScalar("SELECT GET_LOCK(?, ?)", params));
  if (!got || got->is_null()) {
    // NULL: the wait was interrupted (KILL QUERY) or the server failed.
    return Status::DatabaseError("GET_LOCK('" + name + "') on " + conn.Describe() + " returned NULL (interrupted?)");
  }
  return got->type == Value::Type::kInt64 && got->i64 == 1;
}

}  // namespace

std::string LockHolder::ToString() const {
  if (!lease_owner.empty()) return internal::LeaseHolderText(*this);
  if (connection_id == 0) return "nobody (the lock was free when checked)";
  std::string out = "connection " + std::to_string(connection_id) + " (";
  if (user.empty() && host.empty() && seconds_held_or_connected < 0) {
    return out + "details not visible: needs the PROCESS privilege)";
  }
  out += user + "@" + host;
  if (seconds_held_or_connected >= 0) {
    out += ", " + (command.empty() ? std::string("in its current state") : command) + " for " +
           std::to_string(seconds_held_or_connected) + " s";
  }
  return out + ")";
}

std::string LockNameFor(std::string_view database) {
  std::string name = "chimp:" + std::string(database);
  if (name.size() <= kMaxLockName) return name;
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(Fnv1a64(name)));
  size_t keep = kMaxLockName - 1 - 16;
  // Do not cut a UTF-8 sequence in half.
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  name.resize(keep);
  return name + "~" + hash;
}

Result<LockHolder> FindLockHolder(Connection& conn, std::string_view lock_name) {
  LockHolder holder;
  std::array<Value, 1> name = {Value::Text(std::string(lock_name))};
  CHIMP_ASSIGN_OR_RETURN(std::optional<Value> id, conn.QueryScalar("SELECT IS_USED_LOCK(?)", name));
  if (!id || id->type != Value::Type::kInt64) return holder;  // free
  holder.connection_id = static_cast<uint64_t>(id->i64);
  CHIMP_ASSIGN_OR_RETURN(auto sessions, internal::FindSessions(conn, {holder.connection_id}));
  if (!sessions.empty()) {
    holder.user = sessions[0].user;
    holder.host = sessions[0].host;
    holder.seconds_held_or_connected = sessions[0].seconds;
    holder.command = sessions[0].command;
  }
  return holder;
}

Result<std::unique_ptr<MigrationLock>> MigrationLock::Acquire(Connection& conn, std::string_view database,
                                                              std::chrono::seconds timeout,
                                                              std::function<void(const LockHolder&)> on_wait) {
  std::string name = LockNameFor(database);
  auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(timeout, std::chrono::seconds(0)));
  auto start = std::chrono::steady_clock::now();
  CHIMP_RETURN_IF_ERROR(conn.SetSessionVariables(kIdleForever).WithContext("migration lock '" + name + "'"));

  CHIMP_ASSIGN_OR_RETURN(bool acquired, GetLock(conn, name, std::min(total, kQuietWait)));
  if (!acquired && total > kQuietWait) {
    CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLockHolder(conn, name));
    if (on_wait && holder.connection_id != 0) on_wait(holder);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    auto rest = std::max(total - elapsed, std::chrono::milliseconds(0));
    CHIMP_ASSIGN_OR_RETURN(acquired, GetLock(conn, name, rest));
  }
  if (!acquired) {
    CHIMP_ASSIGN_OR_RETURN(LockHolder holder, FindLockHolder(conn, name));
    return Status::LockTimeout("migration lock '" + name + "' on " + conn.Describe() + " not acquired within " +
                               FormatSeconds(total) + ": held by " + holder.ToString());
  }
  return std::unique_ptr<MigrationLock>(new MigrationLock(conn, std::move(name)));
}

Status MigrationLock::Release() {
  if (!held_) return Status::Ok();
  held_ = false;
  std::array<Value, 1> params = {Value::Text(name_)};
  CHIMP_ASSIGN_OR_RETURN(std::optional<Value> got, conn_.QueryScalar("SELECT RELEASE_LOCK(?)", params));
  if (!got || got->type != Value::Type::kInt64 || got->i64 != 1) {
    return Status::FailedPrecondition("migration lock '" + name_ + "' on " + conn_.Describe() +
                                      " was no longer held by this connection at release");
  }
  return Status::Ok();
}

Status MigrationLock::Lost(const std::string& why) {
  if (lost_.empty()) lost_ = why;
  return internal::LostLock("migration lock '" + name_ + "' on " + conn_.Describe(), lost_);
}

// The socket poll is the cheap part: a session the server ended is
// readable at once. Readable does not prove it ended (TLS may send records
// of its own), so it only makes the next question come now.
Status MigrationLock::CheckHeld() {
  if (!held_) return Status::FailedPrecondition("migration lock '" + name_ + "' was released");
  if (!lost_.empty()) return Lost(lost_);
  const auto now = std::chrono::steady_clock::now();
  if (!conn_.PeerClosed() && now - last_asked_ < kAskEvery) return Status::Ok();
  last_asked_ = now;
  const std::string session = "its session (connection " + std::to_string(conn_.ThreadId()) + ")";
  std::array<Value, 1> params = {Value::Text(name_)};
  auto mine = conn_.QueryScalar(std::string(kInternalTag) + "SELECT IS_USED_LOCK(?) = CONNECTION_ID()", params);
  if (!mine.ok()) {
    return Lost(session + " was ended by the server (KILL, wait_timeout, a restart?): " + mine.status().message());
  }
  if (*mine && mine->value().type == Value::Type::kInt64 && mine->value().i64 == 1) return Status::Ok();
  auto holder = FindLockHolder(conn_, name_);
  return Lost(session + " no longer holds it; now held by " +
              (holder.ok() ? holder->ToString() : std::string("(unknown: ") + holder.status().message() + ")"));
}

MigrationLock::~MigrationLock() {
  Status ignored = Release();
  (void)ignored;
}

}  // namespace chimp
