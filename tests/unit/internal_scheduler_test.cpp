#include "belfry/scheduler/internal_scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace belfry {
namespace {

using namespace std::chrono_literals;
using schedule::Instant;
using schedule::Schedule;

// Records fires and lets the test wait for them with a deadline.
class FireLog {
  public:
    void record(const std::string& job, Instant slot) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            fires_.emplace_back(job, slot);
        }
        changed_.notify_all();
    }
    bool waitForCount(std::size_t count, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return fires_.size() >= count; });
    }
    std::vector<std::pair<std::string, Instant>> fires() {
        std::lock_guard<std::mutex> lock(mutex_);
        return fires_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::string, Instant>> fires_;
};

Schedule everySecond() {
    return *Schedule::fromEvery(1s);
}

TEST(InternalScheduler, FiresEachSlotOnceWithItsNominalTime) {
    FireLog log;
    InternalScheduler scheduler(
        [&](const std::string& job, Instant slot) { log.record(job, slot); });
    scheduler.start();
    scheduler.upsert({"tick", everySecond(), true});
    ASSERT_TRUE(log.waitForCount(3, 5s));
    const auto fires = log.fires();
    for (std::size_t i = 1; i < fires.size(); ++i) {
        EXPECT_EQ(fires[i].second - fires[i - 1].second, 1s) << "consecutive slots, none doubled";
    }
    const auto now = schedule::currentInstant();
    EXPECT_LE(fires.back().second, now);
    EXPECT_GE(fires.back().second, now - 2s) << "fires arrive on time";
}

TEST(InternalScheduler, DisabledAndRemovedJobsDoNotFire) {
    FireLog log;
    InternalScheduler scheduler(
        [&](const std::string& job, Instant slot) { log.record(job, slot); });
    scheduler.start();
    scheduler.upsert({"off", everySecond(), false});
    scheduler.upsert({"gone", everySecond(), true});
    scheduler.remove("gone");
    scheduler.upsert({"witness", everySecond(), true});
    ASSERT_TRUE(log.waitForCount(2, 5s));
    for (const auto& [job, slot] : log.fires()) EXPECT_EQ(job, "witness");
    EXPECT_FALSE(scheduler.state("gone").registered);
    EXPECT_TRUE(scheduler.state("off").registered);
    EXPECT_FALSE(scheduler.state("off").enabled);
    EXPECT_FALSE(scheduler.state("off").next) << "a disabled job has no next fire";
}

TEST(InternalScheduler, ReportsNextAndLastFire) {
    FireLog log;
    InternalScheduler scheduler(
        [&](const std::string& job, Instant slot) { log.record(job, slot); });
    const auto hourly =
        *Schedule::fromFields({"0 * * * *", std::nullopt, std::nullopt, std::nullopt});
    scheduler.upsert({"hourly", hourly, true});
    const auto state = scheduler.state("hourly");
    ASSERT_TRUE(state.next);
    EXPECT_EQ(*state.next, *hourly.nextAfter(schedule::currentInstant()));
    EXPECT_FALSE(state.last);
    scheduler.start();
    scheduler.upsert({"tick", everySecond(), true});
    ASSERT_TRUE(log.waitForCount(1, 5s));
    EXPECT_EQ(scheduler.state("tick").last, log.fires().front().second);
}

TEST(InternalScheduler, AJobWithoutAScheduleIsNotRegistered) {
    InternalScheduler scheduler([](const std::string&, Instant) {});
    scheduler.upsert({"manual", Schedule(), true});
    EXPECT_FALSE(scheduler.state("manual").registered);
}

TEST(InternalScheduler, ReconcileRegistersUpdatesAndDropsJobs) {
    InternalScheduler scheduler([](const std::string&, Instant) {});
    scheduler.upsert({"kept", everySecond(), true});
    scheduler.upsert({"changed", everySecond(), true});
    scheduler.upsert({"gone", everySecond(), true});
    const std::vector<ScheduledJob> desired{{"kept", everySecond(), true},
                                            {"changed", everySecond(), false},
                                            {"new", everySecond(), true}};

    const auto dry = scheduler.reconcile([&] { return desired; }, true);
    EXPECT_TRUE(dry.dryRun);
    EXPECT_TRUE(scheduler.state("gone").registered) << "a dry run changes nothing";
    EXPECT_FALSE(scheduler.state("new").registered);

    const auto report = scheduler.reconcile([&] { return desired; }, false);
    ASSERT_EQ(report.entries.size(), 4u);
    EXPECT_EQ(report.entries[0].job, "changed");
    EXPECT_EQ(report.entries[0].action, ReconcileAction::Updated);
    EXPECT_EQ(report.entries[1].job, "gone");
    EXPECT_EQ(report.entries[1].action, ReconcileAction::Removed);
    EXPECT_EQ(report.entries[2].job, "kept");
    EXPECT_EQ(report.entries[2].action, ReconcileAction::Unchanged);
    EXPECT_EQ(report.entries[3].job, "new");
    EXPECT_EQ(report.entries[3].action, ReconcileAction::Created);
    EXPECT_FALSE(scheduler.state("gone").registered);
    EXPECT_TRUE(scheduler.state("new").registered);
    EXPECT_FALSE(scheduler.state("changed").enabled);
    EXPECT_EQ(report.managerReloads, 0);
}

}  // namespace
}  // namespace belfry
