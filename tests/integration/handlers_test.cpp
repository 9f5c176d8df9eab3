// C++ handlers through a real belfryd that loads the real test plugin (tests/plugins) from
// `handlers.plugins`: success with output, an exception that fails the run but not the service,
// an unknown handler refused at create time, and a handler that ignores its timeout (its worker
// replaced, and no obstacle to a clean stop).
#include <gtest/gtest.h>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class HandlersTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    // A short grace so the ignored-cancellation case takes ~2 s, not 11.
    TestDaemon daemon_{
        {std::string("handlers.plugins = ") + BELFRY_TEST_PLUGIN, "shutdown.grace = 1s"}};
};

TEST_F(HandlersTest, APluginHandlerRunsWithItsArgumentsAndRecordsItsOutput) {
    daemon_.createJob(
        R"({"name": "echo", "handler": {"name": "Echo", "args": {"greeting": "hi"}}})");
    const auto shown = daemon_.request("GET", "/v1/jobs/echo");
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(
        shown.json->getObject("handler")->getObject("args")->getValue<std::string>("greeting"),
        "hi");
    const auto id = daemon_.runNow("echo");
    const auto run = daemon_.waitForRunEnd(id);
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded")
        << run->getValue<std::string>("error");
    EXPECT_EQ(run->getValue<std::string>("output"),
              "job=echo run=" + std::to_string(id) + "\ngreeting=hi\n");
}

TEST_F(HandlersTest, AThrowingHandlerIsAFailedRunAndTheServiceCarriesOn) {
    daemon_.createJob(R"({"name": "thrower", "handler": {"name": "Thrower"}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("thrower"));
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    EXPECT_EQ(run->getValue<std::string>("error"), "handler Thrower: disk full");
    EXPECT_EQ(run->getValue<std::string>("output"), "about to fail\n");
    EXPECT_EQ(daemon_.request("GET", "/v1/health", "", false).status, 200);
    daemon_.createJob(R"({"name": "after", "handler": {"name": "Echo"}})");
    EXPECT_EQ(daemon_.waitForRunEnd(daemon_.runNow("after"))->getValue<std::string>("state"),
              "succeeded");
}

TEST_F(HandlersTest, AnUnknownHandlerIsRefusedAtCreateTime) {
    const auto created = daemon_.request(
        "POST", "/v1/jobs", R"({"name": "ghost", "handler": {"name": "NoSuchHandler"}})");
    EXPECT_EQ(created.status, 400) << created.body;
    EXPECT_NE(created.body.find("no handler named NoSuchHandler"), std::string::npos)
        << created.body;
    EXPECT_NE(created.body.find("Echo"), std::string::npos) << created.body;
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/ghost").status, 404);
    const auto malformed = daemon_.request(
        "POST", "/v1/jobs", R"({"name": "bad", "handler": {"name": "Echo", "args": {"n": 5}}})");
    EXPECT_EQ(malformed.status, 400) << malformed.body;
}

TEST_F(HandlersTest, ACooperativeHandlerStopsAtItsTimeout) {
    daemon_.createJob(
        R"({"name": "patient", "timeout": "1s", "handler": {"name": "Patient", "args": {"ms": "60000"}}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("patient"));
    EXPECT_EQ(run->getValue<std::string>("state"), "timed_out");
    EXPECT_EQ(run->getValue<std::string>("error"), "handler Patient: timed out after 1s");
    EXPECT_EQ(run->getValue<std::string>("output"), "stopped early\n");
}

TEST_F(HandlersTest, AHandlerIgnoringItsTimeoutIsReportedAndItsWorkerFreed) {
    daemon_.createJob(
        R"({"name": "stubborn", "timeout": "1s", "handler": {"name": "Stubborn", "args": {"ms": "20000"}}})");
    const auto started = std::chrono::steady_clock::now();
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("stubborn"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(run->getValue<std::string>("state"), "timed_out");
    const auto error = run->getValue<std::string>("error");
    EXPECT_EQ(error.rfind("handler ignored cancellation", 0), 0u) << error;
    // Its worker serves the next run.
    daemon_.createJob(R"({"name": "next", "handler": {"name": "Echo"}})");
    EXPECT_EQ(daemon_.waitForRunEnd(daemon_.runNow("next"))->getValue<std::string>("state"),
              "succeeded");
}

TEST(HandlersWorkers, AWorkerLostToAnAbandonedHandlerIsReplacedAndShutdownDoesNotWaitForIt) {
    // One worker: the run after the abandoned one can only start on a replacement.
    TestDaemon daemon{{std::string("handlers.plugins = ") + BELFRY_TEST_PLUGIN,
                       "shutdown.grace = 1s", "workers = 1"}};
    daemon.start();
    daemon.createJob(
        R"({"name": "stubborn", "timeout": "1s", "handler": {"name": "Stubborn", "args": {"ms": "60000"}}})");
    daemon.createJob(R"({"name": "next", "handler": {"name": "Echo"}})");
    const auto stubborn = daemon.runNow("stubborn");
    const auto next = daemon.runNow("next");  // queued behind it
    EXPECT_EQ(daemon.waitForRunEnd(stubborn)->getValue<std::string>("state"), "timed_out");
    EXPECT_EQ(daemon.waitForRunEnd(next)->getValue<std::string>("state"), "succeeded");
    // The abandoned handler still holds its thread for a minute; belfryd stops without it.
    const auto stopping = std::chrono::steady_clock::now();
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 15s);
}

TEST(HandlersConfig, AMissingPluginStopsTheDaemonNamingTheKeyAndPath) {
    TestDaemon daemon({"handlers.plugins = /nonexistent/libhandlers.so"});
    const auto started = runCommand({BELFRYD_PATH, "--config", daemon.configPath()}, {}, 20s);
    EXPECT_EQ(started.exitCode, 78);
    const auto said = started.out + started.err;
    EXPECT_NE(said.find("handlers.plugins"), std::string::npos) << said;
    EXPECT_NE(said.find("/nonexistent/libhandlers.so"), std::string::npos) << said;
}

}  // namespace
}  // namespace belfry::test
