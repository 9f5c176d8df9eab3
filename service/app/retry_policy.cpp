#include "retry_policy.h"

#include <algorithm>
#include <random>

namespace belfry {
namespace {

bool countsAsFailure(RunState state) {
    return state == RunState::Failed || state == RunState::TimedOut ||
           state == RunState::Interrupted;
}

}  // namespace

Millis nominalRetryDelay(const RetryPolicy& policy, int failedAttempt) {
    if (policy.backoff == "fixed") return policy.initial;
    Millis delay = policy.initial;
    // Doubling stops at max_delay, which also keeps the arithmetic far from overflow.
    for (int i = 1; i < failedAttempt && delay < policy.maxDelay; ++i) delay *= 2;
    return std::min(delay, policy.maxDelay);
}

Millis jitteredRetryDelay(const RetryPolicy& policy, int failedAttempt) {
    const auto nominal = nominalRetryDelay(policy, failedAttempt);
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> share(0.0, kJitterFraction);
    return nominal - Millis(static_cast<Millis::rep>(nominal.count() * share(random)));
}

std::optional<NewRun> retryFor(const Job& job, const Run& run, RunState ended, EpochMillis now,
                               const std::string& node) {
    if (!countsAsFailure(ended) || run.attempt > job.retry.max) return std::nullopt;
    NewRun next;
    next.job = run.job;
    next.trigger = Trigger::Retry;
    next.slot = run.slot;
    next.attempt = run.attempt + 1;
    next.node = node;
    next.dueAt = ended == RunState::Interrupted
                     ? now
                     : now + jitteredRetryDelay(job.retry, run.attempt).count();
    return next;
}

}  // namespace belfry
