// WriteAll and ReadAll: a whole buffer to or from a file descriptor, retried
// on EINTR and short transfers (private to core). Async-signal-safe apart
// from ReadAll's string growth, so WriteAll may run in a forked child.
#ifndef CHIMP_UTIL_FD_IO_HPP_
#define CHIMP_UTIL_FD_IO_HPP_

#include <string>
#include <string_view>

namespace chimp::internal {

// Writes all of `data` to `fd`. False on an error (errno set) or when the
// descriptor accepts nothing.
bool WriteAll(int fd, std::string_view data);

// Appends what `fd` holds from its current offset to the end to *out.
// False on an error (errno set).
bool ReadAll(int fd, std::string* out);

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_FD_IO_HPP_
