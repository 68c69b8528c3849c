// A random UUID (version 4), for run ids: unique, not secret.
#ifndef CHIMP_UTIL_RUN_ID_HPP_
#define CHIMP_UTIL_RUN_ID_HPP_

#include <string>

namespace chimp::internal {

// 36 characters, lower-case hex "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
// From OpenSSL's RAND_bytes; from the clock should that fail.
std::string RandomUuid();

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_RUN_ID_HPP_
