// What happens to runs: output, exit codes, timeouts, floods, cancel, and a kill -9 of belfryd.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class RunsTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    TestDaemon daemon_;
};

bool processExists(int pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::vector<int> pidsIn(const std::string& output) {
    std::vector<int> pids;
    std::istringstream lines(output);
    for (std::string word; lines >> word;) {
        if (word.rfind("pid=", 0) == 0) pids.push_back(std::stoi(word.substr(4)));
    }
    return pids;
}

TEST_F(RunsTest, SuccessfulRunRecordsItsOutput) {
    daemon_.createJob(
        R"({"name": "hello", "exec": {"argv": ["/bin/sh", "-c", "echo out; echo err >&2; echo $GREETING", "x"], "env": {"GREETING": "bonjour"}, "cwd": "/tmp"}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("hello"));
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_EQ(run->getValue<int>("exit_code"), 0);
    const auto output = run->getValue<std::string>("output");
    EXPECT_NE(output.find("out\n"), std::string::npos) << output;
    EXPECT_NE(output.find("err\n"), std::string::npos) << output;
    EXPECT_NE(output.find("bonjour"), std::string::npos) << output;
    EXPECT_FALSE(run->getValue<std::string>("started_at").empty());
    EXPECT_FALSE(run->getValue<std::string>("finished_at").empty());
    EXPECT_EQ(run->getValue<std::string>("trigger"), "api");
}

TEST_F(RunsTest, FailingRunRecordsItsExitCode) {
    daemon_.createJob(
        R"({"name": "fails", "exec": {"argv": ["/bin/sh", "-c", "echo about to fail; exit 3"]}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("fails"));
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    EXPECT_EQ(run->getValue<int>("exit_code"), 3);
    EXPECT_NE(run->getValue<std::string>("error").find("3"), std::string::npos);
}

TEST_F(RunsTest, MissingProgramFailsWithAReadableError) {
    daemon_.createJob(R"({"name": "ghost", "exec": {"argv": ["/nonexistent/program"]}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("ghost"));
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    EXPECT_NE(run->getValue<std::string>("error").find("/nonexistent/program"), std::string::npos);
}

TEST_F(RunsTest, BinaryOutputIsStoredAsValidUtf8) {
    daemon_.createJob(
        R"({"name": "binary", "exec": {"argv": ["/usr/bin/printf", "ok\\377\\000end"]}})");
    const auto id = daemon_.runNow("binary");
    const auto run = daemon_.waitForRunEnd(id);  // parsing the JSON at all is half the point
    ASSERT_TRUE(run);
    EXPECT_EQ(run->getValue<std::string>("output"),
              "ok\xEF\xBF\xBD\xEF\xBF\xBD"
              "end");
}

TEST_F(RunsTest, HttpJobRecordsStatusAndSucceedsOnlyInTheExpectedRange) {
    // belfryd's own API is a real HTTP server to call: /v1/health answers 200 to anyone, and
    // /v1/jobs answers 401 without the token.
    const auto base = "http://127.0.0.1:" + std::to_string(daemon_.port());
    daemon_.createJob(R"({"name": "health", "http": {"method": "GET", "url": ")" + base +
                      R"(/v1/health"}})");
    daemon_.createJob(R"({"name": "denied", "http": {"method": "GET", "url": ")" + base +
                      R"(/v1/jobs"}})");
    daemon_.createJob(
        R"({"name": "refused", "http": {"method": "GET", "url": "http://127.0.0.1:1/"}})");
    const auto ok = daemon_.waitForRunEnd(daemon_.runNow("health"));
    EXPECT_EQ(ok->getValue<std::string>("state"), "succeeded");
    EXPECT_EQ(ok->getValue<int>("http_status"), 200);
    EXPECT_NE(ok->getValue<std::string>("output").find("\"status\""), std::string::npos);
    const auto denied = daemon_.waitForRunEnd(daemon_.runNow("denied"));
    EXPECT_EQ(denied->getValue<std::string>("state"), "failed");
    EXPECT_EQ(denied->getValue<int>("http_status"), 401);
    const auto refused = daemon_.waitForRunEnd(daemon_.runNow("refused"));
    EXPECT_EQ(refused->getValue<std::string>("state"), "failed");
    EXPECT_FALSE(refused->getValue<std::string>("error").empty());
}

TEST_F(RunsTest, TimeoutKillsTheWholeProcessGroup) {
    // The job starts two grandchildren that ignore nothing special but would outlive a naive kill
    // of the direct child; it prints their pids so the test can check they are gone.
    daemon_.createJob(R"({"name": "sleepy", "timeout": "1s", "exec": {"argv": ["/bin/sh", "-c",
        "sleep 300 & echo pid=$!; sh -c 'sleep 300' & echo pid=$!; echo pid=$$; wait"]}})");
    const auto started = std::chrono::steady_clock::now();
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("sleepy"));
    EXPECT_EQ(run->getValue<std::string>("state"), "timed_out");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
    const auto pids = pidsIn(run->getValue<std::string>("output"));
    ASSERT_EQ(pids.size(), 3u) << run->getValue<std::string>("output");
    for (int pid : pids) {
        EXPECT_TRUE(eventually([&] { return !processExists(pid); }, 5s))
            << "pid " << pid << " survived";
    }
}

TEST_F(RunsTest, OutputFloodIsCappedAndTheServiceStaysResponsive) {
    daemon_.createJob(R"({"name": "flood", "timeout": "60s", "exec": {"argv": ["/bin/sh", "-c",
        "head -c 300000000 /dev/zero | tr '\\0' 'x'; echo; echo THE-END"]}})");
    const auto id = daemon_.runNow("flood");
    // While it floods, the API answers promptly.
    for (int i = 0; i < 5; ++i) {
        const auto before = std::chrono::steady_clock::now();
        EXPECT_EQ(daemon_.request("GET", "/v1/health", "", false).status, 200);
        EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    }
    const auto run = daemon_.waitForRunEnd(id, 120s);
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    const auto output = run->getValue<std::string>("output");
    EXPECT_LE(output.size(), 64u * 1024 + 200) << "the output is a bounded tail";
    EXPECT_NE(output.find("THE-END"), std::string::npos) << "the tail keeps the end";
    EXPECT_NE(output.find("omitted"), std::string::npos) << "the tail says it was cut";
}

TEST_F(RunsTest, CancelStopsARunningJob) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto id = daemon_.runNow("long");
    ASSERT_TRUE(eventually([&] { return daemon_.runState(id) == "running"; }));
    const auto cancel = daemon_.request("POST", "/v1/runs/" + std::to_string(id) + "/cancel");
    EXPECT_EQ(cancel.status, 202) << cancel.body;
    const auto run = daemon_.waitForRunEnd(id, 20s);
    EXPECT_EQ(run->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(daemon_.request("POST", "/v1/runs/" + std::to_string(id) + "/cancel").status, 409);
}

TEST_F(RunsTest, BurstQueuesBehindTheWorkerPool) {
    // 4 workers (TestDaemon's config): 12 sleeping runs cannot all run at once.
    // parallel: the point is the pool, not the job's own concurrency rule (skip by default).
    daemon_.createJob(
        R"({"name": "nap", "concurrency": "parallel", "exec": {"argv": ["/bin/sleep", "0.3"]}})");
    std::vector<long long> ids;
    for (int i = 0; i < 12; ++i) ids.push_back(daemon_.runNow("nap"));
    const auto running =
        daemon_.request("GET", "/v1/runs?state=running").json->getArray("runs")->size();
    EXPECT_LE(running, 4u);
    for (auto id : ids)
        EXPECT_EQ(daemon_.waitForRunEnd(id)->getValue<std::string>("state"), "succeeded");
}

TEST_F(RunsTest, KillNineMidRunLeavesTheRunInterruptedAndHistoryIntact) {
    daemon_.createJob(R"({"name": "quick", "exec": {"argv": ["/bin/true"]}})");
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto earlier = daemon_.runNow("quick");
    ASSERT_EQ(daemon_.waitForRunEnd(earlier)->getValue<std::string>("state"), "succeeded");
    const auto victim = daemon_.runNow("long");
    ASSERT_TRUE(eventually([&] { return daemon_.runState(victim) == "running"; }));

    daemon_.killHard();
    daemon_.start();

    EXPECT_EQ(daemon_.runState(victim), "interrupted");
    EXPECT_EQ(daemon_.runState(earlier), "succeeded");
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs").json->getArray("jobs")->size(), 2u);
}

TEST_F(RunsTest, SigtermStopsCleanlyAndRecordsRunningJobsAsInterrupted) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto id = daemon_.runNow("long");
    ASSERT_TRUE(eventually([&] { return daemon_.runState(id) == "running"; }));
    const auto before = std::chrono::steady_clock::now();
    const int status = daemon_.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_LT(std::chrono::steady_clock::now() - before, 15s);
    daemon_.start();
    EXPECT_EQ(daemon_.runState(id), "interrupted");
}

}  // namespace
}  // namespace belfry::test
