// What the REST handlers work on: the store, the executor, the fire path, the OS scheduler and
// the daemon's identity. The
// referenced objects outlive the HTTP server; the handlers use them from many threads, which
// their own contracts allow.
#pragma once

#include <cstddef>
#include <string>

#include "belfry/scheduler/os_scheduler.h"
#include "executor.h"
#include "fire_path.h"
#include "store.h"

namespace belfry {

struct ApiContext {
    Store& store;
    Executor& executor;
    FirePath& firePath;
    OsScheduler& scheduler;
    std::string adminToken;
    std::string node;
};

}  // namespace belfry
