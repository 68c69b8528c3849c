#include "chimp/status.hpp"
#include <doctest/doctest.h>

TEST_CASE("status: context is prefixed and OK stays OK") {
  CHECK(chimp::Status::Ok().WithContext("x").ok());
  auto s = chimp::Status::NotFound("file a.so").WithContext("plugin dir /p");
  CHECK(s.code() == chimp::StatusCode::kNotFound);
  CHECK(s.message() == "plugin dir /p: file a.so");
  CHECK(s.ToString() == "not found: plugin dir /p: file a.so");
}

namespace {
chimp::Result<int> Half(int x) {
  if (x % 2) return chimp::Status::InvalidArgument("odd");
  return x / 2;
}
chimp::Result<int> Quarter(int x) {
  CHIMP_ASSIGN_OR_RETURN(int h, Half(x));
  CHIMP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}
}  // namespace

TEST_CASE("status: ASSIGN_OR_RETURN propagates the first error") {
  CHECK(Quarter(8).value() == 2);
  CHECK(Quarter(6).status().message() == "odd");
}

TEST_CASE("status: the server's error number and SQLSTATE survive context") {
  auto s = chimp::Status::DatabaseError("server error 1049 (42000): Unknown database 'x'")
               .WithServerError(1049, "42000")
               .WithContext("selecting the target");
  CHECK(s.server_errno() == 1049);
  CHECK(s.sqlstate() == "42000");
  CHECK(s.message() == "selecting the target: server error 1049 (42000): Unknown database 'x'");
  CHECK(chimp::Status::NotFound("f").server_errno() == 0);
  CHECK(chimp::Status::NotFound("f").sqlstate().empty());
}

TEST_CASE("status: WithCode re-classifies an error, never a lost server") {
  auto refused = chimp::Status::DatabaseError("no").WithServerError(1064, "42000");
  auto failed = refused.WithCode(chimp::StatusCode::kStepFailed);
  CHECK(failed.code() == chimp::StatusCode::kStepFailed);
  CHECK(failed.server_errno() == 1064);
  CHECK(failed.message() == "no");
  auto gone = chimp::Status::Unavailable("gone").WithCode(chimp::StatusCode::kStepFailed);
  CHECK(gone.code() == chimp::StatusCode::kUnavailable);
  CHECK(chimp::Status::Ok().WithCode(chimp::StatusCode::kStepFailed).ok());
}
