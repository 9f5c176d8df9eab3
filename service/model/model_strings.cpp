#include <array>
#include <utility>

#include "job.h"
#include "run.h"

namespace belfry {
namespace {

constexpr std::array<std::pair<Trigger, const char*>, 6> kTriggers{{
    {Trigger::Schedule, "schedule"},
    {Trigger::Manual, "manual"},
    {Trigger::Api, "api"},
    {Trigger::Retry, "retry"},
    {Trigger::Catchup, "catchup"},
    {Trigger::Continuation, "continuation"},
}};

constexpr std::array<std::pair<RunState, const char*>, 8> kStates{{
    {RunState::Queued, "queued"},
    {RunState::Running, "running"},
    {RunState::Succeeded, "succeeded"},
    {RunState::Failed, "failed"},
    {RunState::TimedOut, "timed_out"},
    {RunState::Cancelled, "cancelled"},
    {RunState::Interrupted, "interrupted"},
    {RunState::Skipped, "skipped"},
}};

template <typename Enum, std::size_t N>
const char* nameOf(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
    for (const auto& [candidate, name] : table) {
        if (candidate == value) return name;
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char*>, N>& table,
                            const std::string& text) {
    for (const auto& [candidate, name] : table) {
        if (text == name) return candidate;
    }
    return std::nullopt;
}

}  // namespace

const char* toString(Trigger value) {
    return nameOf(kTriggers, value);
}
const char* toString(RunState value) {
    return nameOf(kStates, value);
}
std::optional<Trigger> triggerFromString(const std::string& text) {
    return valueOf(kTriggers, text);
}
std::optional<RunState> runStateFromString(const std::string& text) {
    return valueOf(kStates, text);
}

bool isTerminal(RunState state) {
    return state != RunState::Queued && state != RunState::Running;
}

const char* toString(Concurrency value) {
    switch (value) {
        case Concurrency::Skip:
            return "skip";
        case Concurrency::Queue:
            return "queue";
        case Concurrency::Parallel:
            return "parallel";
        case Concurrency::Replace:
            return "replace";
    }
    return "skip";
}

const char* toString(CatchUp value) {
    switch (value) {
        case CatchUp::One:
            return "one";
        case CatchUp::All:
            return "all";
        case CatchUp::None:
            return "none";
    }
    return "one";
}

}  // namespace belfry
