// Graceful shutdown: on SIGTERM belfryd stops taking work, SIGTERMs running jobs, gives them
// shutdown.grace, then SIGKILLs what is left and records it as interrupted.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "run_history.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Established TCP connections to a local port (the kernel's table, so the check itself opens
// none).
int establishedConnectionsTo(int port) {
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // header
    int count = 0;
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        const auto colon = local.rfind(':');
        if (state == "01" && colon != std::string::npos &&
            std::stoi(local.substr(colon + 1), nullptr, 16) == port) {
            ++count;
        }
    }
    return count;
}

TEST(ShutdownTest, ShutdownKillsJobsAfterGraceAndRecordsInterrupted) {
    TestDaemon daemon({"shutdown.grace = 2s"});
    daemon.start();
    // Ignores SIGTERM (and so does the sleep it starts: ignored signals survive exec).
    daemon.createJob(R"({"name": "stubborn", "exec": {"argv": ["/bin/sh", "-c",
        "trap '' TERM; echo ignoring; sleep 300"]}})");
    const auto id = daemon.runNow("stubborn");
    ASSERT_TRUE(eventually([&] { return daemon.runState(id) == "running"; }));

    const auto before = Clock::now();
    const int status = daemon.stop();
    const auto took = Clock::now() - before;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_GE(took, 2s) << "the job got its grace";
    EXPECT_LT(took, 2s + 3s) << "and not much more";

    daemon.start();
    const auto run = daemon.waitForRunEnd(id);
    EXPECT_EQ(run->getValue<std::string>("state"), "interrupted");
    EXPECT_EQ(run->getValue<int>("signal"), SIGKILL);
    EXPECT_NE(run->getValue<std::string>("output").find("ignoring"), std::string::npos);
}

TEST(ShutdownTest, ShutdownDoesNotWaitForJobsThatHonourSigterm) {
    TestDaemon daemon({"shutdown.grace = 20s"});
    daemon.start();
    daemon.createJob(R"({"name": "polite", "concurrency": "parallel",
        "exec": {"argv": ["/bin/sleep", "300"]}})");
    std::vector<long long> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(daemon.runNow("polite"));
    ASSERT_TRUE(eventually([&] {
        for (const auto id : ids)
            if (daemon.runState(id) != "running") return false;
        return true;
    }));
    const auto before = Clock::now();
    daemon.stop();
    EXPECT_LT(Clock::now() - before, 5s);
    daemon.start();
    for (const auto id : ids) EXPECT_EQ(daemon.runState(id), "interrupted");
}

TEST(ShutdownTest, RunsQueuedBehindTheWorkersWaitForTheNextStart) {
    TestDaemon daemon({"workers = 1", "shutdown.grace = 1s"});
    daemon.start();
    daemon.createJob(R"({"name": "nap", "concurrency": "parallel",
        "exec": {"argv": ["/bin/sleep", "300"]}})");
    const auto running = daemon.runNow("nap");
    ASSERT_TRUE(eventually([&] { return daemon.runState(running) == "running"; }));
    const auto waiting = daemon.runNow("nap");
    daemon.stop();
    daemon.start();
    EXPECT_EQ(daemon.runState(running), "interrupted");
    EXPECT_TRUE(eventually([&] { return daemon.runState(waiting) == "running"; }))
        << "acknowledged but never started: it runs after the restart";
}

TEST(ShutdownTest, LongPollOnAWaitingRunDoesNotHoldUpShutdown) {
    TestDaemon daemon;
    daemon.start();
    daemon.createJob(R"({"name": "later", "exec": {"argv": ["/bin/true"]}})");
    const auto id =
        startRun(daemon, "later", R"({"delay": "1h"})").json->getValue<long long>("run");
    HttpResult polled;
    std::thread poller(
        [&] { polled = daemon.request("GET", "/v1/runs/" + std::to_string(id) + "?wait=60s"); });
    ASSERT_TRUE(eventually([&] { return establishedConnectionsTo(daemon.port()) > 0; }))
        << "the long-poll reached the server";
    const auto before = Clock::now();
    const int status = daemon.stop();
    poller.join();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "belfryd must not crash with a request in flight: " << status;
    EXPECT_LT(Clock::now() - before, 3s);
    daemon.start();
    EXPECT_EQ(daemon.runState(id), "queued") << "still due in an hour";
}

}  // namespace
}  // namespace belfry::test
