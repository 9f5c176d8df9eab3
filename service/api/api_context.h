// What the REST handlers work on: the store, the executor and the daemon's identity. The
// referenced objects outlive the HTTP server; the handlers use them from many threads, which
// their own contracts allow.
#pragma once

#include <cstddef>
#include <string>

#include "executor.h"
#include "store.h"

namespace belfry {

struct ApiContext {
    Store& store;
    Executor& executor;
    std::string adminToken;
    std::string node;
    std::string schedulerBackend;  // what /v1/health reports
};

}  // namespace belfry
