// belfryd's spool intake against a real SQLite store, executor and fire path, without a daemon:
// the parts of a sweep that an end-to-end test cannot reach quickly (a spent time budget, odd
// directory entries).
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "../support/fresh_temp_dir.h"
#include "belfry/spool/spooled_fire.h"
#include "executor.h"
#include "fire_path.h"
#include "job_json.h"
#include "spool_intake.h"
#include "store.h"

namespace belfry {
namespace {

using namespace std::chrono_literals;

class SpoolIntakeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto job = jobFromJson(*parseJsonObject(
            R"({"name": "nightly", "schedule": {"cron": "0 3 * * *"}, "catch_up": "none",
                "exec": {"argv": ["/bin/true"]}})"));
        ASSERT_TRUE(store_->insertJob(job));
        executor_.start();
    }
    void TearDown() override {
        executor_.shutdown();
        Poco::File(dir_).remove(true);
    }

    // A timer fire of `nightly` on day `day` of January 2026, 03:00:00.4 UTC.
    void spoolFire(int day) {
        spool::SpooledFire fire;
        fire.id = spool::newFireId();
        fire.job = "nightly";
        fire.trigger = spool::FireTrigger::Schedule;
        fire.elapsedUsec = (1767236400ull + (day - 1) * 86400ull) * 1'000'000ull + 400'000ull;
        fire.spooledAt = 1767236403 + day;
        std::ofstream(spoolDir_ + "/" + spool::spoolFileName(fire))
            << spool::formatSpooledFire(fire);
    }

    std::size_t runCount() { return store_->runs({"nightly", {}, {}, 1000}).size(); }

    std::string dir_ = test::freshTempDirectory();
    std::string spoolDir_ = dir_ + "/spool";
    std::unique_ptr<Store> store_ = openSqliteStore(dir_ + "/belfry.db");
    Executor executor_{*store_, ExecutorOptions{}};
    FirePath firePath_{*store_, executor_, "test-node"};
};

TEST_F(SpoolIntakeTest, ASpentBudgetLeavesTheRestForTheNextSweep) {
    SpoolIntake intake(spoolDir_, firePath_);
    for (int day = 1; day <= 3; ++day) spoolFire(day);
    const auto first = intake.sweep(0ms);
    EXPECT_EQ(first.taken, 0);
    EXPECT_EQ(first.left, 3);
    EXPECT_EQ(runCount(), 0u);

    const auto second = intake.sweep();
    EXPECT_EQ(second.taken, 3);
    EXPECT_EQ(second.left, 0);
    EXPECT_EQ(runCount(), 3u);
}

TEST_F(SpoolIntakeTest, FoldersAreLeftAloneAndLinksSetAside) {
    SpoolIntake intake(spoolDir_, firePath_);
    Poco::File(spoolDir_ + "/an-admins-folder").createDirectories();
    spoolFire(1);
    ASSERT_EQ(::symlink("/etc/hostname", (spoolDir_ + "/fire-link.json").c_str()), 0);
    const auto counts = intake.sweep();
    EXPECT_EQ(counts.taken, 1);
    EXPECT_EQ(counts.rejected, 1);
    EXPECT_TRUE(Poco::File(spoolDir_ + "/an-admins-folder").isDirectory());
    EXPECT_TRUE(Poco::File(spoolDir_ + "/rejected/fire-link.json").exists());
    EXPECT_EQ(runCount(), 1u);
}

TEST_F(SpoolIntakeTest, AWritersFileAbandonedForAnHourIsRemovedAndAFreshOneLeft) {
    SpoolIntake intake(spoolDir_, firePath_);
    Poco::File(spoolDir_).createDirectories();
    const std::string abandoned = spoolDir_ + "/.fire-abandoned.json.tmp";
    const std::string fresh = spoolDir_ + "/.fire-fresh.json.tmp";
    std::ofstream(abandoned) << "{\"format\":";  // cut off mid-write
    std::ofstream(fresh) << "{\"format\":";
    Poco::File(abandoned).setLastModified(Poco::Timestamp() - Poco::Timespan(2, 0, 0, 0, 0));
    const auto counts = intake.sweep();
    EXPECT_EQ(counts.taken + counts.rejected + counts.left, 0);
    EXPECT_FALSE(Poco::File(abandoned).exists());
    EXPECT_TRUE(Poco::File(fresh).exists()) << "a writer may still be at work on it";
}

TEST_F(SpoolIntakeTest, TheSweepThreadTakesFiresAndStopsPromptly) {
    SpoolIntake intake(spoolDir_, firePath_, 20ms);
    intake.start();
    spoolFire(1);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (runCount() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(runCount(), 1u);
    const auto stopping = std::chrono::steady_clock::now();
    intake.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
}

}  // namespace
}  // namespace belfry
