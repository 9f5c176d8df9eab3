// Concurrency per job (skip, queue, parallel, replace), whichever way the run was asked for.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "run_history.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class ConcurrencyTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }

    void createSleeper(const std::string& name, const std::string& policy,
                       const std::string& seconds = "300") {
        daemon_.createJob(R"({"name": ")" + name + R"(", "concurrency": ")" + policy +
                          R"(", "exec": {"argv": ["/bin/sleep", ")" + seconds + R"("]}})");
    }
    long long runningRun(const std::string& job) {
        const auto id = daemon_.runNow(job);
        EXPECT_TRUE(eventually([&] { return daemon_.runState(id) == "running"; }));
        return id;
    }
    void cancel(long long id) {
        daemon_.request("POST", "/v1/runs/" + std::to_string(id) + "/cancel");
    }

    TestDaemon daemon_;
};

TEST_F(ConcurrencyTest, SkipRecordsOverlappingFireAsSkipped) {
    createSleeper("single", "skip");
    const auto active = runningRun("single");
    // The OS timer's callback (belfry fire), the API and the CLI are all held to the rule.
    const auto fired = daemon_.request("POST", "/v1/jobs/single/fire", "{}");
    ASSERT_EQ(fired.status, 202) << fired.body;
    const auto viaApi = daemon_.runNow("single");
    const auto viaCli = daemon_.cli({"run", "single"});
    EXPECT_EQ(viaCli.exitCode, 0) << viaCli.err;
    for (const auto id : {fired.json->getValue<long long>("run"), viaApi}) {
        const auto run = daemon_.waitForRunEnd(id);
        EXPECT_EQ(run->getValue<std::string>("state"), "skipped");
        EXPECT_NE(run->getValue<std::string>("error").find(std::to_string(active)),
                  std::string::npos)
            << "names the run it yielded to: " << run->getValue<std::string>("error");
    }
    ASSERT_TRUE(eventually([&] { return runsOf(daemon_, "single").size() == 4; }));
    ASSERT_TRUE(
        eventually([&] { return text(runsOf(daemon_, "single")[3], "state") == "skipped"; }));
    EXPECT_EQ(daemon_.runState(active), "running") << "the active run is left alone";
    cancel(active);
}

TEST_F(ConcurrencyTest, SkipJobRunsAgainOnceTheActiveRunHasEnded) {
    createSleeper("single", "skip", "0.2");
    const auto first = daemon_.runNow("single");
    daemon_.waitForRunEnd(first);
    EXPECT_EQ(daemon_.waitForRunEnd(daemon_.runNow("single"))->getValue<std::string>("state"),
              "succeeded");
}

TEST_F(ConcurrencyTest, QueueRunsOneAfterAnother) {
    createSleeper("serial", "queue", "0.4");
    std::vector<long long> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(daemon_.runNow("serial"));
    std::vector<Poco::JSON::Object::Ptr> runs;
    for (const auto id : ids) runs.push_back(daemon_.waitForRunEnd(id));
    for (const auto& run : runs) EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    // One at a time: in the order they started, each began after the one before had ended.
    std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
        return text(a, "started_at") < text(b, "started_at");
    });
    for (std::size_t i = 1; i < runs.size(); ++i) {
        EXPECT_GE(text(runs[i], "started_at"), text(runs[i - 1], "finished_at"))
            << "run " << runs[i]->getValue<long long>("id") << " overlapped run "
            << runs[i - 1]->getValue<long long>("id");
    }
}

TEST_F(ConcurrencyTest, QueuedRunCanBeCancelledWhileItWaits) {
    createSleeper("serial", "queue");
    const auto active = runningRun("serial");
    const auto waiting = daemon_.runNow("serial");
    const auto last = daemon_.runNow("serial");
    EXPECT_EQ(daemon_.request("POST", "/v1/runs/" + std::to_string(waiting) + "/cancel").status,
              202);
    EXPECT_EQ(daemon_.waitForRunEnd(waiting)->getValue<std::string>("state"), "cancelled");
    cancel(active);
    EXPECT_TRUE(eventually([&] { return daemon_.runState(last) == "running"; }))
        << "the line moves on past the cancelled run";
    cancel(last);
}

TEST_F(ConcurrencyTest, ParallelRunsOverlap) {
    createSleeper("wide", "parallel");
    const auto first = runningRun("wide");
    const auto second = runningRun("wide");
    EXPECT_EQ(daemon_.runState(first), "running");
    cancel(first);
    cancel(second);
}

TEST_F(ConcurrencyTest, ReplaceCancelsActiveRun) {
    createSleeper("latest", "replace");
    const auto old = runningRun("latest");
    const auto fresh = daemon_.runNow("latest");
    const auto replaced = daemon_.waitForRunEnd(old);
    EXPECT_EQ(replaced->getValue<std::string>("state"), "cancelled");
    EXPECT_NE(replaced->getValue<std::string>("error").find("replaced"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return daemon_.runState(fresh) == "running"; }));
    cancel(fresh);
}

TEST_F(ConcurrencyTest, RetryYieldsToAnActiveRunUnderSkip) {
    // Fails the first time (leaving a marker), then runs long: the first attempt's retry comes
    // due while an operator's run is active, and is skipped like any other overlapping run.
    const auto marker = daemon_.stateDir() + "/failed-once";
    daemon_.createJob(R"({"name": "mixed", "concurrency": "skip", "retry": {"max": 1,
        "backoff": "fixed", "initial": "3s"}, "exec": {"argv": ["/bin/sh", "-c",
        "test -e \"$0\" || { touch \"$0\"; exit 1; }; sleep 300", ")" +
                      marker + R"("]}})");
    const auto failing = daemon_.runNow("mixed");
    ASSERT_EQ(daemon_.waitForRunEnd(failing)->getValue<std::string>("state"), "failed");
    const auto active = runningRun("mixed");
    ASSERT_TRUE(eventually([&] { return runsOf(daemon_, "mixed").size() == 3; }));
    const auto retry = runsOf(daemon_, "mixed")[1];
    ASSERT_EQ(text(retry, "trigger"), "retry");
    EXPECT_EQ(
        daemon_.waitForRunEnd(retry->getValue<long long>("id"))->getValue<std::string>("state"),
        "skipped");
    cancel(active);
}

TEST(ConcurrencyCatchUp, CatchUpRunsTakeTurnsInsteadOfSkippingEachOther) {
    TestDaemon daemon;
    daemon.start();
    daemon.createJob(R"({"name": "tick", "catch_up": "all", "concurrency": "skip",
        "schedule": {"every": "1s"}, "exec": {"argv": ["/bin/sleep", "0.3"]}})");
    ASSERT_TRUE(eventually([&] { return !runsOf(daemon, "tick").empty(); }));
    daemon.stop();
    // Downtime is the condition under test, not a wait for an event: 3 slots go by unseen.
    std::this_thread::sleep_for(3500ms);
    daemon.start();
    const auto catchUps = [&] {
        std::vector<Poco::JSON::Object::Ptr> out;
        for (const auto& run : runsOf(daemon, "tick"))
            if (text(run, "trigger") == "catchup") out.push_back(run);
        return out;
    };
    ASSERT_TRUE(eventually([&] { return catchUps().size() >= 3; }));
    for (const auto& run : catchUps()) {
        EXPECT_EQ(
            daemon.waitForRunEnd(run->getValue<long long>("id"))->getValue<std::string>("state"),
            "succeeded")
            << "catch_up all runs each missed slot";
    }
}

}  // namespace
}  // namespace belfry::test
