// SHA-256 of a byte string, as lower-case hex (OpenSSL EVP).
#ifndef CHIMP_UTIL_SHA256_HPP_
#define CHIMP_UTIL_SHA256_HPP_

#include <string>
#include <string_view>

namespace chimp::internal {

// 64 hex digits; "" only if OpenSSL fails (it does not for SHA-256).
std::string Sha256Hex(std::string_view data);

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_SHA256_HPP_
