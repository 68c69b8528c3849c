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
