// The retry rule: which ends are retried, how long the back-off is, and how much jitter.
#include "retry_policy.h"

#include <gtest/gtest.h>

namespace belfry {
namespace {

using namespace std::chrono_literals;

RetryPolicy exponential(int max) {
    RetryPolicy policy;
    policy.max = max;
    policy.backoff = "exponential";
    policy.initial = 10s;
    policy.maxDelay = 60s;
    return policy;
}

Job jobWith(const RetryPolicy& policy) {
    Job job;
    job.name = "flaky";
    job.retry = policy;
    return job;
}

Run attempt(int number) {
    Run run;
    run.id = 7;
    run.job = "flaky";
    run.attempt = number;
    run.slot = 1'000'000;
    return run;
}

TEST(RetryPolicy, ExponentialBackoffDoublesUpToMaxDelay) {
    const auto policy = exponential(10);
    EXPECT_EQ(nominalRetryDelay(policy, 1), 10s);
    EXPECT_EQ(nominalRetryDelay(policy, 2), 20s);
    EXPECT_EQ(nominalRetryDelay(policy, 3), 40s);
    EXPECT_EQ(nominalRetryDelay(policy, 4), 60s);
    EXPECT_EQ(nominalRetryDelay(policy, 100), 60s) << "no overflow on a long series";
}

TEST(RetryPolicy, FixedBackoffWaitsInitialEveryTime) {
    auto policy = exponential(10);
    policy.backoff = "fixed";
    EXPECT_EQ(nominalRetryDelay(policy, 1), 10s);
    EXPECT_EQ(nominalRetryDelay(policy, 5), 10s);
}

TEST(RetryPolicy, JitterTakesOffAtMostAFifthAndNeverAdds) {
    const auto policy = exponential(10);
    bool varied = false;
    for (int i = 0; i < 200; ++i) {
        const auto delay = jitteredRetryDelay(policy, 2);
        EXPECT_LE(delay, 20s);
        EXPECT_GE(delay, 16s);
        varied = varied || delay != jitteredRetryDelay(policy, 2);
    }
    EXPECT_TRUE(varied) << "jitter spreads retries";
}

TEST(RetryPolicy, FailuresTimeoutsAndInterruptionsAreRetriedWhileAttemptsRemain) {
    const auto job = jobWith(exponential(2));
    for (const auto state : {RunState::Failed, RunState::TimedOut, RunState::Interrupted}) {
        const auto next = retryFor(job, attempt(1), state, 5'000'000, "node-a");
        ASSERT_TRUE(next) << toString(state);
        EXPECT_EQ(next->trigger, Trigger::Retry);
        EXPECT_EQ(next->attempt, 2);
        EXPECT_EQ(next->slot, 1'000'000) << "a retry keeps the slot it retries";
        EXPECT_EQ(next->node, "node-a");
    }
    EXPECT_TRUE(retryFor(job, attempt(2), RunState::Failed, 0, "n"));
    EXPECT_FALSE(retryFor(job, attempt(3), RunState::Failed, 0, "n")) << "max 2: three attempts";
}

TEST(RetryPolicy, SuccessCancelAndSkipAreNeverRetried) {
    const auto job = jobWith(exponential(5));
    for (const auto state : {RunState::Succeeded, RunState::Cancelled, RunState::Skipped})
        EXPECT_FALSE(retryFor(job, attempt(1), state, 0, "n")) << toString(state);
}

TEST(RetryPolicy, DefaultPolicyDoesNotRetry) {
    EXPECT_FALSE(retryFor(Job{}, attempt(1), RunState::Failed, 0, "n"));
}

TEST(RetryPolicy, FailedAttemptIsDueAfterItsBackoffButInterruptedOneAtOnce) {
    const auto job = jobWith(exponential(5));
    const EpochMillis now = 5'000'000;
    const auto failed = retryFor(job, attempt(1), RunState::Failed, now, "n");
    ASSERT_TRUE(failed && failed->dueAt);
    EXPECT_GE(*failed->dueAt, now + 8'000);
    EXPECT_LE(*failed->dueAt, now + 10'000);
    const auto interrupted = retryFor(job, attempt(1), RunState::Interrupted, now, "n");
    ASSERT_TRUE(interrupted && interrupted->dueAt);
    EXPECT_EQ(*interrupted->dueAt, now);
}

}  // namespace
}  // namespace belfry
