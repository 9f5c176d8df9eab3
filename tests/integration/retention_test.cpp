// History retention through a real belfryd: a job fired far more often than the policy keeps ends
// with only its newest runs, every fire meanwhile completes, and a bad policy stops the daemon.
#include <gtest/gtest.h>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

std::size_t runCount(TestDaemon& daemon, const std::string& job) {
    const auto listed = daemon.request("GET", "/v1/runs?job=" + job + "&limit=500");
    return listed.json ? listed.json->getArray("runs")->size() : 0;
}

TEST(Retention, KeepsOnlyTheNewestRunsPerJobWhileFiresKeepCompleting) {
    TestDaemon daemon({"history.retention = 15 runs", "history.prune_interval = 50ms"});
    daemon.start();
    daemon.createJob(R"({"name": "chatty", "exec": {"argv": ["/bin/true"]}})");
    daemon.createJob(R"({"name": "quiet", "exec": {"argv": ["/bin/true"]}})");
    const auto quiet = daemon.runNow("quiet");
    ASSERT_EQ(daemon.waitForRunEnd(quiet)->getValue<std::string>("state"), "succeeded");

    long long last = 0;
    for (int i = 0; i < 120; ++i) {
        last = daemon.runNow("chatty");
        const auto ended = daemon.waitForRunEnd(last);
        ASSERT_EQ(ended->getValue<std::string>("state"), "succeeded") << "run " << i;
    }
    EXPECT_TRUE(eventually([&] { return runCount(daemon, "chatty") == 15; }))
        << runCount(daemon, "chatty") << " runs left\n"
        << daemon.log();
    // The newest run is among those kept; the other job's history is its own.
    EXPECT_EQ(daemon.request("GET", "/v1/runs/" + std::to_string(last)).status, 200);
    EXPECT_EQ(daemon.request("GET", "/v1/runs/" + std::to_string(quiet)).status, 200);
}

TEST(Retention, AnUnreadablePolicyStopsTheDaemonWithTheKeyNamed) {
    TestDaemon daemon({"history.retention = a while"});
    const auto started = runCommand({BELFRYD_PATH, "--config", daemon.configPath()}, {}, 20s);
    EXPECT_NE(started.exitCode, 0);
    EXPECT_NE((started.out + started.err).find("history.retention"), std::string::npos)
        << started.out << started.err;
}

}  // namespace
}  // namespace belfry::test
