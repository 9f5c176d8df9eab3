// The store's part of the execution policies: a run's due time, kept across reopening, and an
// attempt's end recorded together with its retry.
#include <gtest/gtest.h>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include "store.h"
#include "temp_store_fixture.h"

namespace belfry {
namespace {

class SqliteStoreDueTest : public TempStoreTest {};

TEST_F(SqliteStoreDueTest, DueTimeIsKeptWithTheQueuedRunAcrossReopening) {
    const auto delayed = store_->insertRun({"job", Trigger::Api, {}, 1, "n1", 1'900'000'000'000});
    const auto now = store_->insertRun({"job", Trigger::Api, {}, 1, "n1"});
    store_ = openSqliteStore(path_);
    EXPECT_EQ(store_->run(delayed)->dueAt, 1'900'000'000'000);
    EXPECT_FALSE(store_->run(now)->dueAt);
    EXPECT_EQ(store_->queuedRuns(), (std::vector<RunId>{delayed, now}));
}

TEST_F(SqliteStoreDueTest, FinishAndQueueRecordsTheEndWithWhatFollowsTogether) {
    const auto first = store_->insertRun({"job", Trigger::Schedule, 60'000, 1, "n1"});
    ASSERT_TRUE(store_->markRunning(first, 1));
    RunResult failed;
    failed.state = RunState::Failed;
    failed.exitCode = 1;
    const std::vector<NewRun> following{NewRun{"job", Trigger::Retry, 60'000, 2, "n1", 5'000},
                                        NewRun{"alert", Trigger::Continuation, {}, 1, "n1"}};
    const auto queued = store_->finishRunAndQueue(first, failed, 2, following);
    ASSERT_TRUE(queued);
    ASSERT_EQ(queued->size(), 2u);
    EXPECT_EQ(store_->run(first)->state, RunState::Failed);
    EXPECT_EQ(store_->run(queued->at(1))->trigger, Trigger::Continuation);
    const auto next = store_->run(queued->at(0));
    EXPECT_EQ(next->state, RunState::Queued);
    EXPECT_EQ(next->trigger, Trigger::Retry);
    EXPECT_EQ(next->attempt, 2);
    EXPECT_EQ(next->slot, 60'000) << "a retry of a scheduled run keeps its slot";
    EXPECT_EQ(next->dueAt, 5'000);
}

TEST_F(SqliteStoreDueTest, FinishAndQueueOfAnEndedRunQueuesNothing) {
    const auto run = store_->insertRun({"job", Trigger::Api, {}, 1, "n1"});
    RunResult cancelled;
    cancelled.state = RunState::Cancelled;
    ASSERT_TRUE(store_->finishRun(run, cancelled, 1));
    RunResult failed;
    failed.state = RunState::Failed;
    EXPECT_FALSE(store_->finishRunAndQueue(run, failed, 2, {{"job", Trigger::Retry, {}, 2, "n1"}}));
    EXPECT_EQ(store_->run(run)->state, RunState::Cancelled);
    EXPECT_TRUE(store_->queuedRuns().empty());
}

}  // namespace
}  // namespace belfry
