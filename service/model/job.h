// The job model: what to run and when, as an operator defines it (DESIGN.md "Job"). Plain value
// types with no behaviour beyond defaults; parsing and validation live in job_json.h. Safe to copy
// between threads; no internal synchronisation.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "belfry/schedule/schedule.h"

namespace belfry {

using Millis = std::chrono::milliseconds;
// Milliseconds since the Unix epoch, UTC. The store keeps instants in this form.
using EpochMillis = std::int64_t;

struct ExecAction {
    std::vector<std::string> argv;  // never a shell string; argv[0] is looked up in PATH
    std::string cwd;                // empty: the daemon's working directory
    std::map<std::string, std::string> env;
};

struct HttpAction {
    std::string method = "POST";
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
    int expectLow = 200;  // a status in [expectLow, expectHigh] counts as success
    int expectHigh = 299;
    std::string caFile;  // https: trust only this CA bundle; "": the system CA store
};

// A C++ handler, registered in-process or loaded from a plugin (README "C++ handlers").
struct HandlerAction {
    std::string name;
    std::map<std::string, std::string> args;  // handed to the handler as given
};

struct RetryPolicy {
    int max = 0;  // extra attempts after the first; 0 = no retries
    std::string backoff = "exponential";
    Millis initial = std::chrono::seconds(30);
    Millis maxDelay = std::chrono::hours(1);
};

enum class Concurrency { Skip, Queue, Parallel, Replace };
enum class CatchUp { One, All, None };

struct Job {
    std::string name;
    std::string description;
    schedule::Schedule schedule;     // Kind::None: manual/API only
    std::optional<ExecAction> exec;  // exactly one of exec, http and handler is set
    std::optional<HttpAction> http;
    std::optional<HandlerAction> handler;
    // Task Scheduler's default ExecutionTimeLimit; long enough for any sane job, yet a hung job
    // cannot hold a worker forever.
    Millis timeout = std::chrono::hours(72);
    RetryPolicy retry;
    Concurrency concurrency = Concurrency::Skip;
    CatchUp catchUp = CatchUp::One;
    Millis jitter{0};
    bool enabled = true;
    // Jobs to start (trigger `continuation`) when a run of this one succeeds, or fails for good
    // (failed or timed out with no retry left). Validated against the stored jobs: the targets
    // exist and no chain leads back to this job (continuation_graph.h).
    std::vector<std::string> onSuccess;
    std::vector<std::string> onFailure;
    EpochMillis createdAt = 0;  // set by the store
    EpochMillis updatedAt = 0;
};

const char* toString(Concurrency value);
const char* toString(CatchUp value);

}  // namespace belfry
