// The run model: one execution attempt of a job and what happened (DESIGN.md "Run"). Plain value
// types; safe to copy between threads; no internal synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "job.h"

namespace belfry {

using RunId = std::int64_t;

enum class Trigger { Schedule, Manual, Api, Retry, Catchup, Continuation };
enum class RunState {
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Interrupted,
    Skipped
};

struct Run {
    RunId id = 0;
    std::string job;
    Trigger trigger = Trigger::Api;
    std::optional<EpochMillis> slot;  // the nominal fire time of a scheduled run
    int attempt = 1;
    RunState state = RunState::Queued;
    EpochMillis queuedAt = 0;
    std::optional<EpochMillis> startedAt;
    std::optional<EpochMillis> finishedAt;
    std::optional<int> exitCode;
    std::optional<int> signal;
    std::optional<int> httpStatus;
    std::string output;  // bounded tail of stdout+stderr, or of an HTTP response body
    std::string error;   // why it failed, in words; empty when it did not
    std::string node;    // host that ran it
    // When a queued run may start (a retry's back-off, a delayed API run); unset: at once.
    std::optional<EpochMillis> dueAt;
};

const char* toString(Trigger value);
const char* toString(RunState value);
std::optional<Trigger> triggerFromString(const std::string& text);
std::optional<RunState> runStateFromString(const std::string& text);

// Terminal states never change again.
bool isTerminal(RunState state);

}  // namespace belfry
