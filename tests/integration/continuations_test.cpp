// Continuations: on_success / on_failure start other jobs (trigger continuation); loops are
// refused when the job is defined.
#include <gtest/gtest.h>

#include "run_history.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class ContinuationsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        daemon_.start();
        daemon_.createJob(R"({"name": "next", "exec": {"argv": ["/bin/true"]}})");
        daemon_.createJob(R"({"name": "alert", "exec": {"argv": ["/bin/true"]}})");
    }
    Poco::JSON::Object::Ptr onlyRunOf(const std::string& job) {
        EXPECT_TRUE(eventually([&] { return runsOf(daemon_, job).size() == 1; }))
            << job << " did not run once";
        const auto runs = runsOf(daemon_, job);
        if (runs.empty()) return nullptr;
        return daemon_.waitForRunEnd(runs[0]->getValue<long long>("id"));
    }
    TestDaemon daemon_;
};

TEST_F(ContinuationsTest, SuccessStartsOnSuccessJobs) {
    daemon_.createJob(R"({"name": "first", "exec": {"argv": ["/bin/true"]},
        "on_success": ["next"], "on_failure": ["alert"]})");
    daemon_.waitForRunEnd(daemon_.runNow("first"));
    const auto run = onlyRunOf("next");
    ASSERT_TRUE(run);
    EXPECT_EQ(run->getValue<std::string>("trigger"), "continuation");
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_TRUE(runsOf(daemon_, "alert").empty());
}

TEST_F(ContinuationsTest, FinalFailureStartsOnFailureJobsOnlyAfterTheLastRetry) {
    daemon_.createJob(R"({"name": "first", "exec": {"argv": ["/bin/false"]},
        "retry": {"max": 1, "initial": "1s"}, "on_success": ["next"], "on_failure": ["alert"]})");
    daemon_.runNow("first");
    const auto alert = onlyRunOf("alert");
    ASSERT_TRUE(alert);
    EXPECT_EQ(alert->getValue<std::string>("trigger"), "continuation");
    const auto attempts = runsOf(daemon_, "first");
    ASSERT_EQ(attempts.size(), 2u) << "the alert waited for the retry";
    EXPECT_GE(text(alert, "queued_at"), text(attempts[1], "finished_at"));
    EXPECT_TRUE(runsOf(daemon_, "next").empty());
}

TEST_F(ContinuationsTest, LoopsAreRefusedAtValidation) {
    daemon_.createJob(R"({"name": "ping", "exec": {"argv": ["/bin/true"]},
        "on_success": ["next"]})");
    const auto self = daemon_.request(
        "POST", "/v1/jobs",
        R"({"name": "echo", "exec": {"argv": ["/bin/true"]}, "on_failure": ["echo"]})");
    EXPECT_EQ(self.status, 400) << self.body;
    // next -> ping -> next: refused, and next stays as it was.
    const auto loop = daemon_.request(
        "PUT", "/v1/jobs/next", R"({"exec": {"argv": ["/bin/true"]}, "on_success": ["ping"]})");
    EXPECT_EQ(loop.status, 400) << loop.body;
    EXPECT_NE(loop.body.find("next -> ping -> next"), std::string::npos) << loop.body;
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/next").json->getArray("on_success")->size(), 0u);
    const auto unknown = daemon_.request(
        "POST", "/v1/jobs",
        R"({"name": "orphan", "exec": {"argv": ["/bin/true"]}, "on_success": ["nobody"]})");
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/orphan").status, 404);
}

TEST_F(ContinuationsTest, DisabledTargetIsNotStarted) {
    daemon_.createJob(R"({"name": "first", "exec": {"argv": ["/bin/true"]},
        "on_success": ["next", "alert"]})");
    ASSERT_EQ(daemon_.request("POST", "/v1/jobs/next/disable").status, 200);
    daemon_.waitForRunEnd(daemon_.runNow("first"));
    ASSERT_TRUE(onlyRunOf("alert"));
    EXPECT_TRUE(runsOf(daemon_, "next").empty());
}

}  // namespace
}  // namespace belfry::test
