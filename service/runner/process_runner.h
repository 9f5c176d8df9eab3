// Runs one process action to completion on the calling thread: spawns the program in a process
// group of its own, collects the tail of its output, enforces the timeout, honours cancellation,
// and returns only once the process is reaped and the rest of its group has been sent SIGKILL
// (like systemd's KillMode=control-group: nothing a job started outlives it).
//
// Thread-safety: runProcess() may be called from many worker threads at once; each call owns
// its child, pipe and descriptors. It never throws for anything the job does: a program that
// cannot start, crashes or hangs is an outcome. It throws only std::bad_alloc.
//
// Assumptions about the daemon (POSIX):
// - Nothing else reaps our children: no waitpid(-1) loop, SIGCHLD not set to SIG_IGN.
// - The environment is not modified (setenv) while runs may start; it is copied at each spawn.
// - Signal masks and ignored signals of the calling thread do not matter: the child starts with
//   an empty mask and every signal at its default disposition.
// - Descriptors opened without close-on-exec elsewhere in the daemon do not leak: the child
//   closes everything above stderr before exec.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "action_outcome.h"
#include "cancel_source.h"

namespace belfry {

struct ProcessSpec {
    // argv[0] names the program; without a '/' it is looked up in the PATH of the job's
    // environment (the daemon's PATH unless `env` overrides it). No shell is involved.
    std::vector<std::string> argv;
    std::string cwd;                            // empty: the daemon's working directory
    std::map<std::string, std::string> env;     // added to, or overriding, the daemon's environment
    std::chrono::milliseconds timeout{0};       // 0: no timeout
    std::chrono::milliseconds killGrace{5000};  // SIGTERM, then this long, then SIGKILL
    // The same, when the stop is belfryd shutting down (CancelReason::Shutdown): shutdown.grace.
    std::chrono::milliseconds shutdownGrace{5000};
    std::size_t outputLimit = 64 * 1024;  // tail of stdout+stderr kept in the outcome
};

// Called with the pid (which is also the process group id) right after a successful spawn, on
// the calling thread, before the runner starts waiting; for logging. Must not throw: it is called
// from a noexcept context, because unwinding here would abandon a running child.
using ProcessStarted = std::function<void(std::int64_t pid)>;

// Blocks until the process has ended and is reaped. Stopping it (timeout or cancel) sends
// SIGTERM to the whole group, then SIGKILL to the whole group after spec.killGrace. Once the
// main process is gone, whatever is left of its group gets SIGKILL, output already buffered is
// collected, and the runner returns even if an escaped descendant still holds the pipe open.
// A source cancelled before the call starts nothing and returns Ending::Cancelled.
ActionOutcome runProcess(const ProcessSpec& spec, const CancelSource& cancel,
                         const ProcessStarted& onStarted = {});

}  // namespace belfry
