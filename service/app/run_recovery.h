// What belfryd does with the run history at start, before anything new runs:
//  - a run left `running` belonged to a process that is gone (a crash, kill -9, power loss): it
//    becomes `interrupted`, and when the job's retry policy allows another attempt, that attempt
//    is queued in the same transaction (retry_policy.h: interrupted counts as a failure);
//  - every `queued` run was acknowledged and must still happen: each is handed to the executor
//    at its stored due time (at once when it has none or it has passed).
//
// Thread-safety: call once, from the thread that starts the daemon, after Executor::start().
#pragma once

#include <string>

#include "executor.h"
#include "store.h"

namespace belfry {

struct RecoveryCounts {
    int interrupted = 0;  // running runs whose process was gone
    int retried = 0;      // of those, how many got another attempt
    int resumed = 0;      // queued runs handed to the executor (delayed ones included)
    int delayed = 0;      // of those, how many wait for a due time still ahead
};

RecoveryCounts recoverRunsAtStart(Store& store, Executor& executor, const std::string& node,
                                  EpochMillis now);

}  // namespace belfry
