// Poco's ServerApplication::waitForTerminationRequest() blocks SIGINT/SIGTERM/SIGQUIT and
// sigwait()s for them in the main thread, but only once it is called; every thread started
// before then (workers, HTTP server) would still take the signal with its default action and
// kill the process on the spot. Blocking them first, before any thread exists, makes every
// thread inherit the mask so the signal reaches only sigwait(). Call at the top of main().
// On Windows this is a no-op: service control and console events arrive differently.
#pragma once

namespace belfry {

void blockTerminationSignalsInAllThreads();

}  // namespace belfry
