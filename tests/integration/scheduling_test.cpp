// Schedules driving runs through the internal scheduler and the fire path: slots, catch-up, the
// job's "os" view. These wait on real time passing, so they use 1-second schedules.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

std::size_t countRuns(TestDaemon& daemon, const std::string& query) {
    return daemon.request("GET", "/v1/runs?limit=1000&" + query).json->getArray("runs")->size();
}

TEST(Scheduling, InternalSchedulerFiresThroughTheFirePath) {
    TestDaemon daemon;
    daemon.start();
    EXPECT_EQ(
        daemon.request("GET", "/v1/health", "", false).json->getValue<std::string>("scheduler"),
        "internal");
    daemon.createJob(R"({"name": "tick", "schedule": {"cron": "* * * * * *"},
                         "exec": {"argv": ["/bin/true"]}})");
    ASSERT_TRUE(
        eventually([&] { return countRuns(daemon, "job=tick&state=succeeded") >= 3; }, 10s));
    const auto runs = daemon.request("GET", "/v1/runs?job=tick").json->getArray("runs");
    std::set<std::string> slots;
    for (std::size_t i = 0; i < runs->size(); ++i) {
        const auto run = runs->getObject(static_cast<unsigned>(i));
        EXPECT_EQ(run->getValue<std::string>("trigger"), "schedule");
        const auto slot = run->getValue<std::string>("slot");
        EXPECT_NE(slot.find(".000Z"), std::string::npos) << "slots are whole seconds: " << slot;
        EXPECT_TRUE(slots.insert(slot).second) << "slot " << slot << " ran twice";
    }
    const auto job = daemon.request("GET", "/v1/jobs/tick").json;
    const auto os = job->getObject("os");
    EXPECT_EQ(os->getValue<std::string>("backend"), "internal");
    EXPECT_TRUE(os->getValue<bool>("enabled"));
    EXPECT_FALSE(os->isNull("next"));
    EXPECT_FALSE(os->isNull("last"));
}

TEST(Scheduling, DisablingStopsTheTimer) {
    TestDaemon daemon;
    daemon.start();
    daemon.createJob(
        R"({"name": "tick", "schedule": {"every": "1s"}, "exec": {"argv": ["/bin/true"]}})");
    ASSERT_TRUE(eventually([&] { return countRuns(daemon, "job=tick") >= 1; }, 10s));
    ASSERT_EQ(daemon.request("POST", "/v1/jobs/tick/disable").status, 200);
    // Let in-flight fires land, then nothing more may arrive for well over a period.
    ASSERT_TRUE(eventually([&] {
        return countRuns(daemon, "job=tick&state=queued") +
                   countRuns(daemon, "job=tick&state=running") ==
               0;
    }));
    const auto settled = countRuns(daemon, "job=tick");
    EXPECT_FALSE(eventually([&] { return countRuns(daemon, "job=tick") > settled; }, 2500ms));
    EXPECT_TRUE(daemon.request("GET", "/v1/jobs/tick").json->getObject("os")->isNull("next"));
}

// Creates a 1-second job with the given catch_up, lets it run once, stops belfryd for a few
// seconds, starts it again and returns how many catch-up runs it made.
std::size_t catchUpRunsAfterDowntime(const std::string& catchUp) {
    TestDaemon daemon;
    daemon.start();
    daemon.createJob(R"({"name": "tick", "catch_up": ")" + catchUp +
                     R"(", "schedule": {"every": "1s"}, "exec": {"argv": ["/bin/true"]}})");
    EXPECT_TRUE(
        eventually([&] { return countRuns(daemon, "job=tick&state=succeeded") >= 1; }, 10s));
    daemon.stop();
    // Downtime is the condition under test, not a wait for an event: 3 slots go by unseen.
    std::this_thread::sleep_for(3500ms);
    daemon.start();
    std::size_t catchUps = 0;
    EXPECT_TRUE(eventually(
        [&] {
            const auto runs =
                daemon.request("GET", "/v1/runs?job=tick&limit=1000").json->getArray("runs");
            catchUps = 0;
            for (std::size_t i = 0; i < runs->size(); ++i) {
                if (runs->getObject(static_cast<unsigned>(i))->getValue<std::string>("trigger") ==
                    "catchup")
                    ++catchUps;
            }
            return catchUp == "none" || catchUps >= (catchUp == "all" ? 3u : 1u);
        },
        10s));
    return catchUps;
}

TEST(Scheduling, CatchUpAllRunsEachMissedSlot) {
    EXPECT_GE(catchUpRunsAfterDowntime("all"), 3u);
}

TEST(Scheduling, CatchUpOneRunsOnceForAllMissedSlots) {
    EXPECT_EQ(catchUpRunsAfterDowntime("one"), 1u);
}

TEST(Scheduling, CatchUpNoneRunsNothingMissed) {
    EXPECT_EQ(catchUpRunsAfterDowntime("none"), 0u);
}

TEST(Scheduling, EarlyFireBelongsToItsSlot) {
    TestDaemon daemon;
    daemon.start();
    daemon.createJob(
        R"({"name": "hourly", "schedule": {"cron": "0 * * * *"}, "exec": {"argv": ["/bin/true"]}})");
    // 2025-11-25T08:59:59.900Z: a timer elapsing 100 ms before 09:00 fires the 09:00 slot.
    const auto early =
        daemon.request("POST", "/v1/jobs/hourly/fire", R"({"elapsed_usec": 1764061199900000})");
    ASSERT_EQ(early.status, 202) << early.body;
    const auto run = daemon.waitForRunEnd(early.json->getValue<long long>("run"));
    EXPECT_EQ(run->getValue<std::string>("slot"), "2025-11-25T09:00:00.000Z");
    // A late one (systemd's AccuracySec, RandomizedDelaySec) belongs to the slot before it.
    const auto late =
        daemon.request("POST", "/v1/jobs/hourly/fire", R"({"elapsed_usec": 1764061512000000})");
    EXPECT_TRUE(late.json->getValue<bool>("duplicate")) << "09:05:12 is still the 09:00 slot";
}

}  // namespace
}  // namespace belfry::test
