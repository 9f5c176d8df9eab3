#include "continuations.h"

namespace belfry {

const std::vector<std::string>& continuationTargets(const Job& job, RunState ended, bool retrying) {
    static const std::vector<std::string> kNone;
    if (ended == RunState::Succeeded) return job.onSuccess;
    if ((ended == RunState::Failed || ended == RunState::TimedOut) && !retrying)
        return job.onFailure;
    return kNone;
}

NewRun continuationRun(const std::string& target, const std::string& node) {
    NewRun run;
    run.job = target;
    run.trigger = Trigger::Continuation;
    run.node = node;
    return run;
}

}  // namespace belfry
