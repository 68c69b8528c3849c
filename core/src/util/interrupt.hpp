// The work connection a second signal kills the statement of (private to
// core; the public side is chimp/interrupt.hpp).
#ifndef CHIMP_UTIL_INTERRUPT_HPP_
#define CHIMP_UTIL_INTERRUPT_HPP_

#include "chimp/connection.hpp"
#include "chimp/interrupt.hpp"

namespace chimp::internal {

// Records `conn` as the connection that runs the statements of the calling
// thread's run (a fleet run has one per job), so that a second signal can
// KILL QUERY its statement. Cheap when `conn` is
// already recorded. [thread-safe]
// Only the connection's id and options are kept: a connection closed since
// is harmless (KILL QUERY of a gone session fails, and is ignored).
void NoteWorkConnection(const Connection& conn);

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_INTERRUPT_HPP_
