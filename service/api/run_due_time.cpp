#include "run_due_time.h"

#include "belfry/duration.h"
#include "belfry/schedule/iso8601.h"
#include "job_json.h"

namespace belfry {

EpochMillis runDueTime(const std::string& key, const Poco::Dynamic::Var& value, EpochMillis now) {
    if (!value.isString()) throw ValidationError(key + ": must be a string");
    const auto text = value.extract<std::string>();
    std::string error;
    EpochMillis due = now;
    if (key == "delay") {
        const auto delay = parseDuration(text, &error);
        if (!delay) throw ValidationError("delay: " + error);
        if (*delay > kMaxRunDelay) throw ValidationError("delay: must be at most 366d");
        due = now + delay->count();
    } else {
        const auto at = schedule::parseIso8601(text, nullptr, &error);
        if (!at) throw ValidationError("at: " + error);
        due = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
        if (due < now - std::chrono::milliseconds(kAtPastTolerance).count()) {
            throw ValidationError("at: " + text + " is in the past");
        }
        if (due > now + std::chrono::milliseconds(kMaxRunDelay).count()) {
            throw ValidationError("at: must be at most 366 days ahead");
        }
    }
    return std::max(due, now);
}

}  // namespace belfry
