#include <pthread.h>
#include <signal.h>

#include "termination_signals.h"

namespace belfry {

void blockTerminationSignalsInAllThreads() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

}  // namespace belfry
