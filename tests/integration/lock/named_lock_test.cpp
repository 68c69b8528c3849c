#include "chimp/lock.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

namespace chimp {
namespace {

using std::chrono::seconds;
using test::TestServer;

bool IsLockFree(Connection& conn, const std::string& name) {
  std::array<Value, 1> p = {Value::Text(name)};
  auto free = conn.QueryScalar("SELECT IS_FREE_LOCK(?)", p);
  REQUIRE_MESSAGE(free.ok(), free.status().ToString());
  return (*free)->i64 == 1;
}

TEST_CASE("lock: LockNameFor stays within 64 bytes and distinct") {
  CHECK(LockNameFor("app") == "chimp:app");
  std::string long_a(64, 'a');
  std::string long_b = std::string(63, 'a') + "b";
  CHECK(LockNameFor(long_a).size() == 64);
  CHECK(LockNameFor(long_b).size() == 64);
  CHECK(LockNameFor(long_a) != LockNameFor(long_b));
  CHECK(LockNameFor(long_a) == LockNameFor(long_a));
  CHECK(LockNameFor(long_a).rfind("chimp:aaaa", 0) == 0);
  // Multi-byte characters are not cut in half.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xC3\xA9";  // é
  std::string name = LockNameFor(accents);
  CHECK(name.size() <= 64);
  CHECK(name.find('~') % 2 == 0);  // "chimp:" + whole 2-byte characters
}

TEST_CASE("lock: a second connection times out and is told who holds it") {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase("lock_timeout");
  auto holder_conn = server.Connect();
  auto waiter_conn = server.Connect();

  auto held = MigrationLock::Acquire(*holder_conn, db, seconds(5));
  REQUIRE_MESSAGE(held.ok(), held.status().ToString());
  CHECK((*held)->name() == "chimp:" + db);

  int waits = 0;
  LockHolder seen;
  auto start = std::chrono::steady_clock::now();
  auto second = MigrationLock::Acquire(*waiter_conn, db, seconds(2), [&](const LockHolder& h) {
    ++waits;
    seen = h;
  });
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kLockTimeout);
  const std::string msg = second.status().message();
  CAPTURE(msg);
  CHECK(msg.find("'chimp:" + db + "'") != std::string::npos);
  CHECK(msg.find("within 2 s") != std::string::npos);
  CHECK(msg.find("connection " + std::to_string(holder_conn->ThreadId()) + " (root@localhost") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(1900));
  CHECK(took < seconds(4));

  CHECK(waits == 1);
  CHECK(seen.connection_id == holder_conn->ThreadId());
  CHECK(seen.user == "root");
  CHECK(seen.host == "localhost");
  CHECK(seen.seconds_held_or_connected >= 0);
  CHECK(seen.ToString().rfind("connection " + std::to_string(seen.connection_id) + " (root@localhost, ", 0) == 0);

  // A zero timeout fails at once, without on_wait.
  waits = 0;
  auto now = MigrationLock::Acquire(*waiter_conn, db, seconds(0), [&](const LockHolder&) { ++waits; });
  CHECK(now.status().code() == StatusCode::kLockTimeout);
  CHECK(waits == 0);

  // Another database has its own lock.
  auto other = MigrationLock::Acquire(*waiter_conn, db + "_other", seconds(0));
  CHECK(other.ok());
}

TEST_CASE("lock: the destructor releases the lock") {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase("lock_dtor");
  auto a = server.Connect();
  auto b = server.Connect();
  {
    auto held = MigrationLock::Acquire(*a, db, seconds(1));
    REQUIRE(held.ok());
    CHECK_FALSE(IsLockFree(*b, LockNameFor(db)));
  }
  CHECK(IsLockFree(*b, LockNameFor(db)));
  auto again = MigrationLock::Acquire(*b, db, seconds(0));
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK((*again)->Release().ok());
  CHECK((*again)->Release().ok());  // a no-op the second time
}

TEST_CASE("lock: the server releases it when the holder's connection closes") {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase("lock_close");
  auto holder_conn = server.Connect();
  auto waiter_conn = server.Connect();
  auto held = MigrationLock::Acquire(*holder_conn, db, seconds(1));
  REQUIRE(held.ok());

  // The holder dies without releasing: its connection is killed.
  auto killer = server.Connect();
  REQUIRE(killer->Execute("KILL " + std::to_string(holder_conn->ThreadId())).ok());

  auto taken = MigrationLock::Acquire(*waiter_conn, db, seconds(5));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());

  // The dead holder's Release() reports it; its destructor does not crash.
  CHECK_FALSE((*held)->Release().ok());
  held = Status::Internal("dropped");
}

TEST_CASE("lock: a waiter gets the lock when the holding process dies") {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase("lock_crash");
  auto holder = test::DyingHolder::Start([&](Connection& conn) -> std::shared_ptr<void> {
    auto lock = MigrationLock::Acquire(conn, db, seconds(1));
    if (!lock.ok()) return nullptr;
    return std::move(*lock);
  });

  auto conn = server.Connect();
  auto busy = MigrationLock::Acquire(*conn, db, seconds(0));
  CHECK(busy.status().code() == StatusCode::kLockTimeout);
  CHECK(busy.status().message().find("connection " + std::to_string(holder->connection_id())) != std::string::npos);

  holder->Die();

  auto taken = MigrationLock::Acquire(*conn, db, seconds(5));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());
}

}  // namespace
}  // namespace chimp

namespace chimp {
namespace {

TEST_CASE("lock: CheckHeld reports a named lock whose session was killed") {
  TestServer& server = TestServer::Shared();
  std::string db = server.FreshDatabase("lock_lost");
  auto holder_conn = server.Connect();
  auto held = MigrationLock::Acquire(*holder_conn, db, seconds(1));
  REQUIRE(held.ok());
  CHECK((*held)->CheckHeld().ok());
  // Its idle session outlives a short server wait_timeout.
  auto raised = holder_conn->QueryScalar("SELECT @@SESSION.wait_timeout");
  REQUIRE(raised.ok());
  CHECK((*raised)->ToString() == "31536000");

  auto killer = server.Connect();
  REQUIRE(killer->Execute("KILL " + std::to_string(holder_conn->ThreadId())).ok());
  auto taker = server.Connect();
  auto taken = MigrationLock::Acquire(*taker, db, seconds(5));
  REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());

  Status lost = (*held)->CheckHeld();
  CHECK(lost.code() == StatusCode::kLockTimeout);
  CAPTURE(lost.message());
  CHECK(lost.message().find("'chimp:" + db + "'") != std::string::npos);
  CHECK(lost.message().find("was lost: its session (connection " + std::to_string(holder_conn->ThreadId())) !=
        std::string::npos);
  CHECK((*held)->CheckHeld().code() == StatusCode::kLockTimeout);  // and stays lost
}

}  // namespace
}  // namespace chimp
