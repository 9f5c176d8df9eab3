// Turns "stop" requests to the process (SIGTERM from `systemctl stop`, SIGINT from Ctrl-C) into a
// flag that `belfry fire` checks, so it can cancel the run it is waiting for and exit 125 instead
// of dying and leaving the run going with nobody reporting its result.
//
// While a StopSignalScope exists, the stop signals are blocked except inside the client's waits
// (HttpClient's socket waits and sleepUnlessStopped), which unblock them atomically (ppoll on
// POSIX). A stop that arrives at any other moment stays pending until the next wait, so it is
// never lost between "check the flag" and "start waiting".
//
// Thread-safety: process-wide state. Create at most one scope at a time, from the thread that does
// the waiting; other threads must not rely on receiving the stop signals meanwhile.
#pragma once

#include <chrono>

namespace belfry::cli {

class StopSignalScope {
  public:
    StopSignalScope();
    ~StopSignalScope();  // restores the previous handlers and mask, clears the flag
    StopSignalScope(const StopSignalScope&) = delete;
    StopSignalScope& operator=(const StopSignalScope&) = delete;
};

// True once a stop signal was delivered inside the current scope.
bool stopRequested();

// Sleeps for `duration` unless a stop arrives; returns false when stopped. Outside a scope the
// stop signals keep their default action.
bool sleepUnlessStopped(std::chrono::milliseconds duration);

}  // namespace belfry::cli
