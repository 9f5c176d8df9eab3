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
#include "handler_registry.h"
#include "store.h"

namespace belfry {

struct ApiContext {
    Store& store;
    Executor& executor;
    FirePath& firePath;
    OsScheduler& scheduler;
    std::string adminToken;
    std::string node;
    std::string schedulerChoice;  // why this backend, for /v1/health ("auto: systemd 252 ...")
    // When set, a job naming a handler it does not know is refused (400).
    const HandlerRegistry* handlers = nullptr;
};

// What the OS scheduler gets to know about a job (os_scheduler.h: nothing else reaches it).
inline ScheduledJob scheduledJobFor(const Job& job) {
    ScheduledJob scheduled;
    scheduled.name = job.name;
    scheduled.schedule = job.schedule;
    scheduled.enabled = job.enabled;
    scheduled.timeout = job.timeout;
    scheduled.catchUp = job.catchUp != CatchUp::None;
    scheduled.jitter = job.jitter;
    return scheduled;
}

}  // namespace belfry
