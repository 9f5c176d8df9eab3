// The retry rule (a job's "retry": {"max", "backoff", "initial", "max_delay"}): which ends of an
// attempt earn another attempt, and how long to wait before it.
//
// Which ends: failed, timed_out and interrupted count as failures and are retried while
// attempts remain (attempt <= max). Interrupted counts because the job did not get to finish
// (belfryd stopped or crashed under it); a job that must not run twice keeps retry.max at 0, the
// default. Succeeded, cancelled (an operator's or a replacing run's decision) and skipped are
// never retried.
//
// How long: `fixed` waits `initial` every time; `exponential` waits initial * 2^(attempt-1),
// capped at max_delay. Jitter then takes off up to kJitterFraction (20%) of that, uniformly, so a
// fleet of jobs that failed together does not retry in lockstep; the wait never exceeds the
// nominal delay. An interrupted attempt is retried at once (at the next start when belfryd was
// stopping): the back-off is for a failing job, not for a restart.
//
// Thread-safety: pure functions apart from the random source, which is thread-local.
#pragma once

#include <optional>

#include "run.h"
#include "store.h"

namespace belfry {

constexpr double kJitterFraction = 0.2;

// The nominal delay before the attempt after `failedAttempt` (1-based), before jitter.
Millis nominalRetryDelay(const RetryPolicy& policy, int failedAttempt);

// The nominal delay less a uniformly random part of up to kJitterFraction of it.
Millis jitteredRetryDelay(const RetryPolicy& policy, int failedAttempt);

// The run that retries `run`, which ended in `ended` at `now`, or nullopt when the policy says
// no more. The retry keeps the job and slot, has trigger `retry`, the next attempt number and a
// due time `now + delay`.
std::optional<NewRun> retryFor(const Job& job, const Run& run, RunState ended, EpochMillis now,
                               const std::string& node);

}  // namespace belfry
