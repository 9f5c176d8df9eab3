// POSIX detail shared by stop_signal-posix.cpp and http_client-posix.cpp: the signal mask to wait
// with. Same thread-safety as stop_signal.h.
#pragma once

#include <signal.h>

namespace belfry::cli {

// The mask for ppoll(): the thread's mask without the stop signals while a StopSignalScope exists,
// else nullptr (keep the current mask).
const sigset_t* stopSignalWaitMask();

}  // namespace belfry::cli
