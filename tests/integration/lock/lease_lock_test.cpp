// The lease-row lock: exclusion, the holder named in waits and timeouts,
// the heartbeat keeping it, and the expiry freeing a dead holder's lease.
#include "chimp/lock.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using std::chrono::seconds;
using test::TestServer;

RunLockOptions Lease(const std::string& db, const std::string& owner, int ttl = 30, int timeout = 0) {
  RunLockOptions o;
  o.kind = LockKind::kLease;
  o.database = db;
  o.changelog_schema = db + "_chimp";
  o.owner = owner;
  o.lease_ttl = seconds(ttl);
  o.timeout = seconds(timeout);
  o.heartbeat_connection = TestServer::Shared().Options();
  return o;
}

const std::string kRunA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kRunB = "bbbbbbbb-0000-4000-8000-000000000002";

TEST_CASE("lease: a second contender times out and is told who holds it") {
  TestServer& server = TestServer::Shared();
  const std::string db = server.FreshDatabase("lease_timeout");
  auto a = server.Connect();
  auto b = server.Connect();
  auto held = AcquireRunLock(*a, Lease(db, kRunA));
  REQUIRE_MESSAGE(held.ok(), held.status().ToString());
  CHECK((*held)->name() == "lease " + db + "_chimp.chimp_lock/" + db);
  CHECK((*held)->CheckHeld().ok());

  int waits = 0;
  LockHolder seen;
  auto start = std::chrono::steady_clock::now();
  auto second = AcquireRunLock(*b, Lease(db, kRunB, 30, 2), [&](const LockHolder& h) {
    ++waits;
    seen = h;
  });
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kLockTimeout);
  const std::string msg = second.status().message();
  CAPTURE(msg);
  CHECK(msg.find("not acquired within 2 s") != std::string::npos);
  CHECK(msg.find("held by run " + kRunA + " (pid " + std::to_string(::getpid())) != std::string::npos);
  CHECK(msg.find("connection " + std::to_string(a->ThreadId()) + " root@localhost") != std::string::npos);
  CHECK(msg.find("unless renewed") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(1900));
  CHECK(took < seconds(5));
  CHECK(waits == 1);
  CHECK(seen.lease_owner == kRunA);
  CHECK(seen.lease_pid == ::getpid());
  CHECK(seen.lease_expires_in_s > 20);

  auto found = FindLeaseHolder(*b, db + "_chimp", db);
  REQUIRE(found.ok());
  CHECK(found->lease_owner == kRunA);

  // Released: the other one gets it at once.
  CHECK((*held)->Release().ok());
  CHECK((*held)->Release().ok());  // a no-op the second time
  auto taken = AcquireRunLock(*b, Lease(db, kRunB));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());
  CHECK(FindLeaseHolder(*a, db + "_chimp", db)->lease_owner == kRunB);
}

TEST_CASE("lease: the heartbeat keeps the lease beyond its time to live") {
  TestServer& server = TestServer::Shared();
  const std::string db = server.FreshDatabase("lease_beat");
  auto a = server.Connect();
  auto b = server.Connect();
  auto held = AcquireRunLock(*a, Lease(db, kRunA, 2));
  REQUIRE(held.ok());
  std::this_thread::sleep_for(seconds(5));
  auto busy = AcquireRunLock(*b, Lease(db, kRunB, 2));
  CHECK(busy.status().code() == StatusCode::kLockTimeout);
  CHECK((*held)->CheckHeld().ok());
  CHECK((*held)->Release().ok());
}

TEST_CASE("lease: a holder that stops renewing loses the lease after its time to live") {
  TestServer& server = TestServer::Shared();
  const std::string db = server.FreshDatabase("lease_hung");
  auto a = server.Connect();
  auto b = server.Connect();
  auto held = LeaseLock::Acquire(*a, Lease(db, kRunA, 2));
  REQUIRE(held.ok());
  (*held)->TEST_StopHeartbeat();
  auto taken = AcquireRunLock(*b, Lease(db, kRunB, 30, 10));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());
  // The hung holder finds out when it releases.
  Status released = (*held)->Release();
  CHECK(released.code() == StatusCode::kFailedPrecondition);
  CHECK(released.message().find("no longer held by run " + kRunA) != std::string::npos);
  CHECK(FindLeaseHolder(*b, db + "_chimp", db)->lease_owner == kRunB);
}

TEST_CASE("lease: a waiter gets the lease after the holding process dies") {
  TestServer& server = TestServer::Shared();
  const std::string db = server.FreshDatabase("lease_crash");
  auto holder = test::DyingHolder::Start([&](Connection& conn) -> std::shared_ptr<void> {
    auto lock = AcquireRunLock(conn, Lease(db, kRunA, 3));
    if (!lock.ok()) return nullptr;
    return std::move(*lock);
  });

  auto conn = server.Connect();
  auto busy = AcquireRunLock(*conn, Lease(db, kRunB));
  CHECK(busy.status().code() == StatusCode::kLockTimeout);
  CHECK(busy.status().message().find("pid " + std::to_string(holder->pid())) != std::string::npos);

  holder->Die();

  auto start = std::chrono::steady_clock::now();
  auto taken = AcquireRunLock(*conn, Lease(db, kRunB, 30, 10));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());
  // Not before the dead holder's lease ran out (3 s after its last beat).
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
}

TEST_CASE("lease: bad options are refused; the named kind still works through AcquireRunLock") {
  TestServer& server = TestServer::Shared();
  const std::string db = server.FreshDatabase("lease_opts");
  auto conn = server.Connect();
  CHECK(AcquireRunLock(*conn, Lease(db, "")).status().code() == StatusCode::kInvalidArgument);
  CHECK(AcquireRunLock(*conn, Lease("", kRunA)).status().code() == StatusCode::kInvalidArgument);
  auto zero = Lease(db, kRunA);
  zero.lease_ttl = seconds(0);
  CHECK(AcquireRunLock(*conn, zero).status().code() == StatusCode::kInvalidArgument);

  RunLockOptions named;
  named.database = db;
  named.timeout = seconds(0);
  auto held = AcquireRunLock(*conn, named);
  REQUIRE(held.ok());
  CHECK((*held)->name() == "chimp:" + db);
  auto other = server.Connect();
  CHECK(AcquireRunLock(*other, named).status().code() == StatusCode::kLockTimeout);
  CHECK((*held)->Release().ok());
  CHECK(LockKindName(LockKind::kLease) == std::string("lease"));
  CHECK(LockKindName(LockKind::kNamed) == std::string("named"));
  CHECK(LockKindName(LockKind::kAuto) == std::string("auto"));
  for (LockKind k : {LockKind::kNamed, LockKind::kLease, LockKind::kAuto}) CHECK(ParseLockKind(LockKindName(k)) == k);
  CHECK_FALSE(ParseLockKind("galera").has_value());
}

}  // namespace
}  // namespace chimp
