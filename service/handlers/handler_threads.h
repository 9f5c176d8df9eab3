// The threads handlers run on: a cached pool that reuses idle threads and starts a new one when
// none is idle, so a burst of handler runs does not pay a thread start each, and a handler
// abandoned for ignoring cancellation keeps its thread without starving anyone (the next run gets
// another). Idle threads beyond a small reserve, or idle for a minute, end.
//
// Process-wide and never destroyed: an abandoned handler may still be running when belfryd exits,
// and its thread must never find the pool gone.
//
// Thread-safety: run() from any thread.
#pragma once

#include <functional>

namespace belfry {

// Runs `task` on a pool thread. Throws std::system_error when a needed thread cannot start.
void runOnHandlerThread(std::function<void()> task);

}  // namespace belfry
