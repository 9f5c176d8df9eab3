#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <csignal>

#include "stop_signal-posix.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

volatile std::sig_atomic_t gStopRequested = 0;
bool gArmed = false;
sigset_t gWaitMask;
sigset_t gPreviousMask;
struct sigaction gPreviousTerm;
struct sigaction gPreviousInt;

void onStopSignal(int) {
    gStopRequested = 1;
}

}  // namespace

StopSignalScope::StopSignalScope() {
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the wait must return EINTR
    sigaction(SIGTERM, &action, &gPreviousTerm);
    sigaction(SIGINT, &action, &gPreviousInt);

    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, &gPreviousMask);
    gWaitMask = gPreviousMask;
    sigdelset(&gWaitMask, SIGTERM);
    sigdelset(&gWaitMask, SIGINT);
    gStopRequested = 0;
    gArmed = true;
}

StopSignalScope::~StopSignalScope() {
    // Unblock while our handler is still installed, so a pending stop is absorbed rather than
    // killing the process with the default action.
    pthread_sigmask(SIG_SETMASK, &gPreviousMask, nullptr);
    sigaction(SIGTERM, &gPreviousTerm, nullptr);
    sigaction(SIGINT, &gPreviousInt, nullptr);
    gArmed = false;
    gStopRequested = 0;
}

bool stopRequested() {
    return gStopRequested != 0;
}

const sigset_t* stopSignalWaitMask() {
    return gArmed ? &gWaitMask : nullptr;
}

bool sleepUnlessStopped(std::chrono::milliseconds duration) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + duration;
    for (;;) {
        if (stopRequested()) return false;
        const auto left =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0) return true;
        timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                         static_cast<long>(left.count() % 1'000'000'000)};
        if (ppoll(nullptr, 0, &timeout, stopSignalWaitMask()) == 0) return !stopRequested();
        // EINTR: a stop (checked above) or an unrelated signal (sleep on).
    }
}

}  // namespace belfry::cli
