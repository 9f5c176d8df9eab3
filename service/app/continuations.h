// Continuations (a job's on_success / on_failure): the runs that follow the end of a run.
// on_success follows `succeeded`; on_failure follows a failure that is final — `failed` or
// `timed_out` with no retry queued. Interrupted, cancelled and skipped runs start nothing: an
// interruption is retried or reported by the retry policy, and the others were someone's choice.
// The follow-up runs have trigger `continuation`, attempt 1, and obey their own job's rules
// (concurrency, retry, continuations).
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "store.h"

namespace belfry {

// The jobs to start after a run of `job` ended in `ended`; `retrying` when a retry follows.
const std::vector<std::string>& continuationTargets(const Job& job, RunState ended, bool retrying);

NewRun continuationRun(const std::string& target, const std::string& node);

}  // namespace belfry
