// Interruptions by signal: SIGINT, SIGTERM and SIGHUP stop a run at a safe
// point (see doc/operations.md "Interrupting a run").
//
// The first signal prints "chimp: <SIG> received: stopping after the current
// statement; send it again to stop now" on stderr and sets a flag that the
// executor reads before each statement: the step fails there with
// "interrupted by <SIG>", its row ends `failed` at the statement not run,
// the lock is released as after any failure, and the next `migrate`
// resumes from that row. The second signal also kills the statement in
// flight on the server (KILL QUERY from a fresh connection), so the step
// fails at once with the server's error; a killed statement has not taken
// effect.
#ifndef CHIMP_INTERRUPT_HPP_
#define CHIMP_INTERRUPT_HPP_

#include <string>

namespace chimp {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, and so in every
// thread started later, and starts a detached thread that takes them with
// sigwait(). Child processes get the signals unblocked again.
// Rationale: a thread that receives the signals may do what a handler may
// not (open a connection, take a mutex); the work connection is never used
// from it.
// REQUIRES: called once, from main(), before any other thread starts.
void InstallInterruptHandling();

// The signal that asked the run to stop; 0 when none. [thread-safe]
int InterruptSignal();

// "SIGTERM" etc. for a signal number.
std::string SignalName(int signal);

}  // namespace chimp

#endif  // CHIMP_INTERRUPT_HPP_
