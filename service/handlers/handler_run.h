// Runs one handler action (README "C++ handlers") to its end on the calling worker's thread: no
// hand-off to another thread, so a short handler costs a function call. On cancel or timeout the
// handler's token turns cancelled (the timeout is kept by deadline_timer.h); a handler that has
// not returned `grace` later is abandoned: its run is ended there and then, by `onAbandoned` on
// the timer's thread, and the worker's thread stays with the handler until it returns.
//
// Thread-safety: runHandler() may be called from many workers at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cancel_source.h"
#include "handler_registry.h"
#include "job.h"
#include "store.h"

namespace belfry {

struct HandlerRunSpec {
    std::string job;
    std::int64_t runId = 0;
    HandlerAction action;
    std::chrono::milliseconds timeout{0};  // 0: none
    std::chrono::milliseconds grace = std::chrono::seconds(10);
    std::size_t outputLimit = 64 * 1024;
};

// Called, on another thread, with the end of a run whose handler ignored cancellation: timed_out,
// cancelled or interrupted, with the error "handler ignored cancellation: ...". The worker that
// ran it is stuck in the handler until it returns, so the caller ends the run and replaces the
// worker here.
using HandlerAbandoned = std::function<void(RunResult)>;

// The run's end state: succeeded, failed (unknown handler, an exception), timed_out, cancelled or
// interrupted (shutdown). nullopt when the handler was abandoned: `onAbandoned` has reported the
// end already, and the caller must leave the run alone (it may even be gone). Never throws but
// std::bad_alloc.
std::optional<RunResult> runHandler(const HandlerRegistry& registry, const HandlerRunSpec& spec,
                                    const CancelSource& cancel,
                                    const HandlerAbandoned& onAbandoned);

// Handlers abandoned since start that have not returned yet.
std::size_t abandonedHandlers();

}  // namespace belfry
