// Retries (a job's "retry" policy): each attempt is its own run, spaced by the back-off, and a
// retry that is due survives a restart of belfryd.
#include <gtest/gtest.h>

#include "run_history.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class RetryTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    TestDaemon daemon_;
};

bool hasAttempts(TestDaemon& daemon, const std::string& job, std::size_t count) {
    const auto runs = runsOf(daemon, job);
    if (runs.size() < count) return false;
    for (std::size_t i = 0; i < count; ++i) {
        const auto state = text(runs[i], "state");
        if (state == "queued" || state == "running") return false;
    }
    return true;
}

TEST_F(RetryTest, FailingJobIsRetriedAsNewRunsWithGrowingDelays) {
    daemon_.createJob(R"({"name": "flaky", "exec": {"argv": ["/bin/false"]},
        "retry": {"max": 2, "backoff": "exponential", "initial": "1s", "max_delay": "10s"}})");
    daemon_.runNow("flaky");
    ASSERT_TRUE(eventually([&] { return hasAttempts(daemon_, "flaky", 3); }, 20s)) << daemon_.log();
    const auto runs = runsOf(daemon_, "flaky");
    ASSERT_EQ(runs.size(), 3u) << "max 2: the first attempt and two retries, no more";
    EXPECT_EQ(text(runs[0], "trigger"), "api");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(runs[i]->getValue<int>("attempt"), i + 1);
        EXPECT_EQ(text(runs[i], "state"), "failed");
    }
    for (int i = 1; i < 3; ++i) {
        EXPECT_EQ(text(runs[i], "trigger"), "retry");
        // The delay is recorded as the run's due time, and honoured.
        EXPECT_GE(text(runs[i], "due_at"), text(runs[i - 1], "finished_at"));
        EXPECT_GE(text(runs[i], "started_at"), text(runs[i], "due_at"));
    }
}

TEST_F(RetryTest, SucceedingRetryEndsTheSeries) {
    // Fails the first time, succeeds once the marker file exists.
    const auto marker = daemon_.stateDir() + "/second-time";
    daemon_.createJob(R"({"name": "second", "retry": {"max": 5, "initial": "1s"}, "exec":
        {"argv": ["/bin/sh", "-c", "test -e \"$0\" || { touch \"$0\"; exit 1; }", ")" +
                      marker + R"("]}})");
    daemon_.runNow("second");
    ASSERT_TRUE(eventually([&] { return hasAttempts(daemon_, "second", 2); }, 20s));
    const auto runs = runsOf(daemon_, "second");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(text(runs[0], "state"), "failed");
    EXPECT_EQ(text(runs[1], "state"), "succeeded");
}

TEST_F(RetryTest, RetryRunsAgainAfterRestart) {
    daemon_.createJob(R"({"name": "durable", "exec": {"argv": ["/bin/false"]},
        "retry": {"max": 1, "backoff": "fixed", "initial": "4s"}})");
    const auto first = daemon_.runNow("durable");
    ASSERT_EQ(daemon_.waitForRunEnd(first)->getValue<std::string>("state"), "failed");
    ASSERT_TRUE(eventually([&] { return runsOf(daemon_, "durable").size() == 2; }));
    const auto retry = runsOf(daemon_, "durable")[1];
    ASSERT_EQ(text(retry, "state"), "queued") << "the back-off has not passed yet";
    const auto id = retry->getValue<long long>("id");

    daemon_.killHard();  // nothing but the database remembers the retry
    daemon_.start();

    const auto ended = daemon_.waitForRunEnd(id, 20s);
    EXPECT_EQ(ended->getValue<std::string>("state"), "failed");
    EXPECT_EQ(ended->getValue<int>("attempt"), 2);
    EXPECT_GE(text(ended, "started_at"), text(ended, "due_at")) << "the delay still holds";
    EXPECT_EQ(runsOf(daemon_, "durable").size(), 2u);
}

TEST_F(RetryTest, InterruptedRunIsRetriedAtNextStartWhenThePolicySaysSo) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]},
        "retry": {"max": 1, "initial": "1h"}})");
    daemon_.createJob(R"({"name": "once", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto victim = daemon_.runNow("long");
    const auto bystander = daemon_.runNow("once");
    ASSERT_TRUE(eventually([&] {
        return daemon_.runState(victim) == "running" && daemon_.runState(bystander) == "running";
    }));
    ASSERT_EQ(daemon_.stop(), 0);
    daemon_.start();

    EXPECT_EQ(daemon_.runState(victim), "interrupted");
    const auto runs = runsOf(daemon_, "long");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(text(runs[1], "trigger"), "retry");
    EXPECT_EQ(runs[1]->getValue<int>("attempt"), 2);
    const auto retry = runs[1]->getValue<long long>("id");
    EXPECT_TRUE(eventually([&] { return daemon_.runState(retry) == "running"; }))
        << "an interrupted attempt is retried at once, not after the 1h back-off";
    EXPECT_EQ(runsOf(daemon_, "once").size(), 1u) << "retry.max 0: interrupted stays interrupted";
}

TEST_F(RetryTest, RunLeftRunningByACrashIsRetriedAtNextStart) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]},
        "retry": {"max": 1}})");
    const auto victim = daemon_.runNow("long");
    ASSERT_TRUE(eventually([&] { return daemon_.runState(victim) == "running"; }));
    daemon_.killHard();
    daemon_.start();
    EXPECT_EQ(daemon_.runState(victim), "interrupted");
    const auto runs = runsOf(daemon_, "long");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(text(runs[1], "trigger"), "retry");
}

TEST_F(RetryTest, OperatorRetryStartsTheNextAttemptOfAnEndedRun) {
    daemon_.createJob(R"({"name": "fails", "exec": {"argv": ["/bin/false"]}})");
    const auto first = daemon_.runNow("fails");
    daemon_.waitForRunEnd(first);
    const auto answer = daemon_.request("POST", "/v1/runs/" + std::to_string(first) + "/retry");
    ASSERT_EQ(answer.status, 202) << answer.body;
    const auto retry = daemon_.waitForRunEnd(answer.json->getValue<long long>("run"));
    EXPECT_EQ(retry->getValue<std::string>("trigger"), "retry");
    EXPECT_EQ(retry->getValue<int>("attempt"), 2);
    EXPECT_EQ(retry->getValue<std::string>("state"), "failed");
    EXPECT_EQ(daemon_.request("POST", "/v1/runs/999999/retry").status, 404);
}

TEST_F(RetryTest, OperatorRetryOfAnActiveRunIsRefused) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto id = daemon_.runNow("long");
    ASSERT_TRUE(eventually([&] { return daemon_.runState(id) == "running"; }));
    EXPECT_EQ(daemon_.request("POST", "/v1/runs/" + std::to_string(id) + "/retry").status, 409);
    EXPECT_EQ(runsOf(daemon_, "long").size(), 1u) << "a refused request changes nothing";
}

}  // namespace
}  // namespace belfry::test
