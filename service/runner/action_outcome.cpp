#include "action_outcome.h"

namespace belfry {

std::string_view toString(Ending ending) {
    switch (ending) {
        case Ending::Exited:
            return "exited";
        case Ending::Signaled:
            return "signaled";
        case Ending::TimedOut:
            return "timed-out";
        case Ending::Cancelled:
            return "cancelled";
        case Ending::SpawnFailed:
            return "spawn-failed";
        case Ending::RequestFailed:
            return "request-failed";
    }
    return "unknown";
}

bool ActionOutcome::succeeded() const {
    if (ending != Ending::Exited) return false;
    // A real HTTP status is never 0, so it tells the two kinds of action apart.
    return httpStatus != 0 ? httpStatusExpected : exitCode == 0;
}

}  // namespace belfry
