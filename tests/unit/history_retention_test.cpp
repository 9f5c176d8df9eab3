// History retention: the `history.retention` syntax, what the pruner deletes and what it must
// never delete, and a database that stays bounded while runs keep being recorded.
#include <gtest/gtest.h>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "history_pruner.h"
#include "history_retention.h"
#include "job_json.h"
#include "sqlite_history_pruner.h"
#include "store.h"
#include "temp_store_fixture.h"
#include "timestamps.h"

namespace belfry {
namespace {

using namespace std::chrono_literals;

TEST(RetentionSyntax, AcceptsAgeCountOrBoth) {
    std::string error;
    auto age = parseRetention("30d", &error);
    ASSERT_TRUE(age) << error;
    EXPECT_EQ(age->maxAge, std::chrono::milliseconds(std::chrono::hours(24 * 30)));
    EXPECT_FALSE(age->keepPerJob);

    auto count = parseRetention("1000 runs", &error);
    ASSERT_TRUE(count) << error;
    EXPECT_EQ(count->keepPerJob, 1000u);
    EXPECT_FALSE(count->maxAge);

    auto both = parseRetention(" 12h , 50 ", &error);
    ASSERT_TRUE(both) << error;
    EXPECT_EQ(both->maxAge, std::chrono::milliseconds(std::chrono::hours(12)));
    EXPECT_EQ(both->keepPerJob, 50u);

    auto forever = parseRetention("forever", &error);
    ASSERT_TRUE(forever) << error;
    EXPECT_TRUE(forever->keepsEverything());

    ASSERT_TRUE(parseRetention(kDefaultRetention, &error)) << error;
}

TEST(RetentionSyntax, RejectsNonsenseWithAReason) {
    for (const std::string text : {"", "soon", "0", "0s", "30d,40d", "10,20", "30d,,10", "-5"}) {
        std::string error;
        EXPECT_FALSE(parseRetention(text, &error)) << text;
        EXPECT_FALSE(error.empty()) << text;
    }
}

class PrunerTest : public TempStoreTest {
  protected:
    RunId endedRun(const std::string& job, EpochMillis finishedAt, const std::string& output = "",
                   Trigger trigger = Trigger::Api, std::optional<EpochMillis> slot = {}) {
        const auto id = store_->insertRun({job, trigger, slot, 1, "n1"});
        store_->markRunning(id, finishedAt);
        RunResult result;
        result.output = output;
        store_->finishRun(id, result, finishedAt);
        return id;
    }
    std::size_t runsOf(const std::string& job) {
        RunFilter filter;
        filter.job = job;
        filter.limit = 1000000;
        return store_->runs(filter).size();
    }
};

TEST_F(PrunerTest, CountKeepsEachJobsNewestEndedRunsAndNeverTouchesUnfinishedOnes) {
    const auto now = nowMillis();
    const RunId queuedEarly = store_->insertRun({"alpha", Trigger::Api, {}, 1, "n1"});
    const RunId runningEarly = store_->insertRun({"alpha", Trigger::Api, {}, 1, "n1"});
    store_->markRunning(runningEarly, now);
    std::vector<RunId> alpha;
    for (int i = 0; i < 30; ++i) alpha.push_back(endedRun("alpha", now));
    for (int i = 0; i < 3; ++i) endedRun("beta", now);

    SqliteHistoryPruner pruner(path_);
    EXPECT_EQ(pruner.jobsWithMoreRunsThan(5), std::vector<std::string>{"alpha"});
    std::size_t deleted = 0;
    while (const auto n = pruner.pruneBeyondNewest("alpha", 5, 7)) {
        EXPECT_LE(n, 7u);  // batches are bounded
        deleted += n;
    }
    EXPECT_EQ(deleted, 25u);
    EXPECT_EQ(runsOf("alpha"), 7u);  // 5 newest ended + the queued and the running one
    EXPECT_EQ(runsOf("beta"), 3u);
    EXPECT_TRUE(store_->run(queuedEarly));
    EXPECT_TRUE(store_->run(runningEarly));
    for (std::size_t i = 0; i < alpha.size(); ++i) {
        EXPECT_EQ(store_->run(alpha[i]).has_value(), i >= alpha.size() - 5) << i;
    }
}

TEST_F(PrunerTest, AgeDeletesRunsThatFinishedBeforeTheCutoffButKeepsTheLatestSlot) {
    const auto now = nowMillis();
    const auto old = now - 10 * 24 * 3600 * 1000LL;
    const RunId oldManual = endedRun("alpha", old);
    const RunId oldSlot = endedRun("alpha", old, "", Trigger::Schedule, old - 1000);
    const RunId latestSlot = endedRun("alpha", old + 1, "", Trigger::Schedule, old);
    const RunId recent = endedRun("alpha", now);
    const RunId queuedLongAgo = store_->insertRun({"alpha", Trigger::Api, {}, 1, "n1"});

    SqliteHistoryPruner pruner(path_);
    EXPECT_EQ(pruner.pruneFinishedBefore(now - 24 * 3600 * 1000LL, 500), 2u);
    EXPECT_FALSE(store_->run(oldManual));
    EXPECT_FALSE(store_->run(oldSlot));
    // The fire path reads the newest slot to recognise a late duplicate fire.
    EXPECT_TRUE(store_->run(latestSlot));
    EXPECT_EQ(store_->latestSlot("alpha"), old);
    EXPECT_TRUE(store_->run(recent));
    EXPECT_TRUE(store_->run(queuedLongAgo));
}

TEST_F(PrunerTest, APruneBatchWaitsForTheStoresCurrentCommitNotForALockPollingBackOff) {
    // A writer that commits back to back, as a busy belfryd does.
    std::atomic<bool> writing{true};
    std::vector<std::thread> writers;
    for (int i = 0; i < 2; ++i) {
        writers.emplace_back([&] {
            while (writing) endedRun("alpha", nowMillis());
        });
    }
    SqliteHistoryPruner pruner(path_);
    auto slowest = std::chrono::steady_clock::duration::zero();
    const auto end = std::chrono::steady_clock::now() + 1500ms;  // long enough to meet a back-off
    while (std::chrono::steady_clock::now() < end) {
        const auto started = std::chrono::steady_clock::now();
        pruner.pruneBeyondNewest("alpha", 10, 50);
        slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
    }
    writing = false;
    for (auto& writer : writers) writer.join();
    // In line behind one commit of the store (a few ms; more under sanitizers and load). Left to
    // SQLite's busy timeout, the pruner polled with sleeps of up to 100 ms and waited 0.2-0.9 s.
    EXPECT_LT(slowest, 150ms)
        << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count() << " ms";
}

std::uintmax_t fileSize(const std::string& path) {
    return Poco::File(path).getSize();
}

TEST_F(PrunerTest, DatabaseStaysBoundedWhileRunsKeepBeingRecorded) {
    constexpr std::size_t kKeep = 150;
    HistoryPrunerOptions options;
    options.policy.keepPerJob = kKeep;
    options.interval = 20ms;
    options.batchSize = 100;
    options.pauseBetweenBatches = 1ms;
    HistoryPruner pruner(path_, options);
    pruner.start();

    // Runs with a 2 KiB output each, as a busy job's history would be, over three jobs.
    const std::string output(2048, 'x');
    const std::vector<std::string> jobs{"alpha", "beta", "gamma"};
    auto slowest = std::chrono::steady_clock::duration::zero();
    std::uintmax_t sizeAfterWarmUp = 0;
    std::size_t mostRowsSeen = 0;
    constexpr int kRuns = 4500;  // ten times what the policy keeps
    for (int i = 0; i < kRuns; ++i) {
        const auto started = std::chrono::steady_clock::now();
        endedRun(jobs[static_cast<std::size_t>(i) % jobs.size()], nowMillis(), output);
        slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
        if (i % 300 == 299) {
            std::size_t rows = 0;
            for (const auto& job : jobs) rows += runsOf(job);
            mostRowsSeen = std::max(mostRowsSeen, rows);
        }
        if (i == 1200) sizeAfterWarmUp = fileSize(path_);
    }
    const auto total = [&] {
        std::size_t rows = 0;
        for (const auto& job : jobs) rows += runsOf(job);
        return rows;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (total() > kKeep * jobs.size() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);  // polling the pruner's progress, bounded
    }
    pruner.stop();

    EXPECT_EQ(total(), kKeep * jobs.size());
    for (const auto& job : jobs) EXPECT_EQ(runsOf(job), kKeep) << job;
    // The table never held more than the bound plus what arrived within a few passes ...
    EXPECT_LT(mostRowsSeen, 2 * kKeep * jobs.size());
    // ... and the file stopped growing: pages of deleted runs are reused for new ones (no
    // VACUUM needed). Without reuse the 3300 runs after warm-up would have made it about four
    // times its warm-up size; the margin only absorbs a pruner that lags under load.
    EXPECT_LE(fileSize(path_), sizeAfterWarmUp * 2)
        << "after warm-up " << sizeAfterWarmUp << " bytes";
    // Recording runs never stalled behind the pruner's deletes (one batch is a few ms).
    EXPECT_LT(slowest, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()
                           << " ms";
}

}  // namespace
}  // namespace belfry
