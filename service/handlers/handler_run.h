// Runs one handler action (README "C++ handlers") to its end as the worker pool sees it: the
// handler executes on a thread of its own while the calling worker waits for it, for the run's
// cancel source, or for the timeout. On cancel or timeout the handler's token turns cancelled;
// a handler that has not returned `grace` later is abandoned (its thread detached and counted)
// and the run ends with "handler ignored cancellation".
//
// Thread-safety: runHandler() may be called from many workers at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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

// The run's end state: succeeded, failed (unknown handler, an exception, a thread that could not
// start), timed_out, cancelled or interrupted (shutdown). Never throws but std::bad_alloc.
RunResult runHandler(const HandlerRegistry& registry, const HandlerRunSpec& spec,
                     const CancelSource& cancel);

// Handlers abandoned since start that have not returned yet.
std::size_t abandonedHandlers();

}  // namespace belfry
