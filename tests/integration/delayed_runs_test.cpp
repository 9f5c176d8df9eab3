// Delayed runs: POST /v1/jobs/{name}/runs with {"delay": ...} or {"at": ...}, held durably.
#include <gtest/gtest.h>

#include "run_history.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class DelayedRunsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        daemon_.start();
        daemon_.createJob(R"({"name": "later", "exec": {"argv": ["/bin/true"]}})");
    }
    TestDaemon daemon_;
};

TEST_F(DelayedRunsTest, DelayedRunStartsOnlyAfterItsDelay) {
    const auto answer = startRun(daemon_, "later", R"({"delay": "2s"})");
    ASSERT_EQ(answer.status, 202) << answer.body;
    const auto id = answer.json->getValue<long long>("run");
    const auto due = answer.json->getValue<std::string>("due_at");
    EXPECT_EQ(daemon_.runState(id), "queued");
    const auto run = daemon_.waitForRunEnd(id);
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_EQ(text(run, "due_at"), due);
    EXPECT_GE(text(run, "started_at"), due);
}

TEST_F(DelayedRunsTest, DelayedRunSurvivesRestart) {
    // Long enough that the restart, even on a loaded machine, comes before it is due.
    const auto answer = startRun(daemon_, "later", R"({"delay": "6s"})");
    ASSERT_EQ(answer.status, 202) << answer.body;
    const auto id = answer.json->getValue<long long>("run");
    daemon_.killHard();
    daemon_.start();
    EXPECT_EQ(daemon_.runState(id), "queued") << "still waiting for its time";
    const auto run = daemon_.waitForRunEnd(id, 20s);
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_GE(text(run, "started_at"), text(run, "due_at"));
}

TEST_F(DelayedRunsTest, RunAtAnInstantStartsThen) {
    const auto at = std::chrono::system_clock::now() + 2s;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
    std::time_t t = seconds;
    char iso[32];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    const auto answer = startRun(daemon_, "later", std::string(R"({"at": ")") + iso + "\"}");
    ASSERT_EQ(answer.status, 202) << answer.body;
    const auto run = daemon_.waitForRunEnd(answer.json->getValue<long long>("run"));
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_GE(text(run, "started_at").substr(0, 19), std::string(iso).substr(0, 19));
}

TEST_F(DelayedRunsTest, CancelledDelayedRunNeverStarts) {
    const auto answer = startRun(daemon_, "later", R"({"delay": "1m"})");
    const auto id = answer.json->getValue<long long>("run");
    EXPECT_EQ(daemon_.request("POST", "/v1/runs/" + std::to_string(id) + "/cancel").status, 202);
    const auto run = daemon_.waitForRunEnd(id);
    EXPECT_EQ(run->getValue<std::string>("state"), "cancelled");
    EXPECT_TRUE(run->isNull("started_at"));
}

TEST_F(DelayedRunsTest, BadDelaysAreRefusedAndChangeNothing) {
    for (const std::string body :
         {R"({"delay": "soon"})", R"({"delay": 10})", R"({"at": "2001-01-01T00:00:00Z"})",
          R"({"at": "tomorrow"})", R"({"delay": "1m", "at": "2099-01-01T00:00:00Z"})",
          R"({"delay": "400d"})"}) {
        const auto answer = startRun(daemon_, "later", body);
        EXPECT_EQ(answer.status, 400) << body << " -> " << answer.body;
    }
    EXPECT_TRUE(runsOf(daemon_, "later").empty());
}

}  // namespace
}  // namespace belfry::test
