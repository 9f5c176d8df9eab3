// Validation of continuations (a job's on_success / on_failure) against the other jobs: every
// target exists, and no chain of continuations leads back to the job, so one run can never set
// off an endless series. Checked when a job is created or replaced; the stored jobs were
// checked the same way, so only chains through the new definition can be loops.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "job.h"

namespace belfry {

// "" when `candidate` may be stored next to `stored` (which may hold an older version of it);
// otherwise what is wrong, for the operator: "on_success: job b -> c -> a leads back to a".
std::string continuationProblem(const Job& candidate, const std::vector<Job>& stored);

}  // namespace belfry
