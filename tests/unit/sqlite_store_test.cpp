#include <gtest/gtest.h>

#include <future>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include "job_json.h"
#include "sqlite_migrations.h"
#include "store.h"
#include "temp_store_fixture.h"
#include "timestamps.h"

namespace belfry {
namespace {

class SqliteStoreTest : public TempStoreTest {
  protected:
    static Job sampleJob(const std::string& name) {
        return jobFromJson(
            *parseJsonObject(R"({"name": ")" + name + R"(", "exec": {"argv": ["/bin/true"]}})"));
    }
    RunId queue(const std::string& job) {
        return store_->insertRun({job, Trigger::Api, {}, 1, "n1"});
    }
};

TEST_F(SqliteStoreTest, JobsSurviveReopening) {
    auto job = sampleJob("alpha");
    ASSERT_TRUE(store_->insertJob(job));
    EXPECT_GT(job.createdAt, 0);
    store_.reset();
    store_ = openSqliteStore(path_);
    const auto loaded = store_->job("alpha");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->exec->argv.at(0), "/bin/true");
    EXPECT_EQ(loaded->createdAt, job.createdAt);
}

TEST_F(SqliteStoreTest, DuplicateJobNameIsRefused) {
    auto job = sampleJob("alpha");
    ASSERT_TRUE(store_->insertJob(job));
    EXPECT_FALSE(store_->insertJob(job));
    EXPECT_EQ(store_->jobs().size(), 1u);
}

TEST_F(SqliteStoreTest, UpdateKeepsCreationTimeAndDeleteRemoves) {
    auto job = sampleJob("alpha");
    store_->insertJob(job);
    auto changed = sampleJob("alpha");
    changed.description = "new";
    ASSERT_TRUE(store_->updateJob(changed));
    EXPECT_EQ(changed.createdAt, job.createdAt);
    EXPECT_EQ(store_->job("alpha")->description, "new");
    EXPECT_TRUE(store_->setJobEnabled("alpha", false));
    EXPECT_FALSE(store_->job("alpha")->enabled);
    EXPECT_TRUE(store_->deleteJob("alpha"));
    EXPECT_FALSE(store_->job("alpha"));
    EXPECT_FALSE(store_->deleteJob("alpha"));
    auto ghost = sampleJob("ghost");
    EXPECT_FALSE(store_->updateJob(ghost));
}

TEST_F(SqliteStoreTest, RunLifecycleIsRecorded) {
    const auto id = queue("alpha");
    EXPECT_EQ(store_->run(id)->state, RunState::Queued);
    ASSERT_TRUE(store_->markRunning(id, nowMillis()));
    RunResult result;
    result.state = RunState::Failed;
    result.exitCode = 3;
    result.output = "boom\n";
    ASSERT_TRUE(store_->finishRun(id, result, nowMillis()));
    const auto run = store_->run(id);
    EXPECT_EQ(run->state, RunState::Failed);
    EXPECT_EQ(run->exitCode, 3);
    EXPECT_EQ(run->output, "boom\n");
    EXPECT_FALSE(run->signal);
    EXPECT_FALSE(store_->finishRun(id, result, nowMillis())) << "an ended run never changes again";
}

TEST_F(SqliteStoreTest, ABatchOfRunsIsRecordedInOrder) {
    std::vector<NewRun> batch(3, NewRun{"alpha", Trigger::Api, {}, 1, "n1"});
    batch[1].job = "beta";
    const auto ids = store_->insertRuns(batch);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_LT(ids[0], ids[1]);
    EXPECT_LT(ids[1], ids[2]);
    store_.reset();  // what another process sees after the call returned
    store_ = openSqliteStore(path_);
    EXPECT_EQ(store_->run(ids[1])->job, "beta");
    EXPECT_EQ(store_->queuedRuns(), ids);
}

TEST_F(SqliteStoreTest, ABatchOfRunsWithABadOneRecordsNone) {
    const auto before = queue("alpha");
    // Two fires from one spool file: the second breaks the spool id's uniqueness.
    std::vector<NewRun> batch(2, NewRun{"alpha", Trigger::Api, {}, 1, "n1"});
    batch[0].spoolId = batch[1].spoolId = "spool-1";
    EXPECT_THROW(store_->insertRuns(batch), StoreError);
    EXPECT_EQ(store_->queuedRuns(), std::vector<RunId>{before});
    EXPECT_FALSE(store_->runOfSpooledFire("spool-1"));
    EXPECT_GT(queue("alpha"), before) << "the store still works after the refused batch";
}

TEST_F(SqliteStoreTest, EveryJobChangeIsReadBackAtOnce) {
    // Reads go through a cache of parsed jobs: each change must replace what it holds.
    auto job = sampleJob("alpha");
    ASSERT_TRUE(store_->insertJob(job));
    ASSERT_TRUE(store_->job("alpha"));  // now cached
    job.exec->argv = {"/bin/false"};
    ASSERT_TRUE(store_->updateJob(job));
    EXPECT_EQ(store_->job("alpha")->exec->argv, std::vector<std::string>{"/bin/false"});
    EXPECT_EQ(store_->runAndJob(queue("alpha"))->job->exec->argv,
              std::vector<std::string>{"/bin/false"});
    ASSERT_TRUE(store_->setJobEnabled("alpha", false));
    EXPECT_FALSE(store_->job("alpha")->enabled);
    ASSERT_TRUE(store_->deleteJob("alpha"));
    EXPECT_FALSE(store_->job("alpha"));
}

TEST_F(SqliteStoreTest, AnEndRecordedWithoutWaitingIsReportedOnceCommitted) {
    const auto id = queue("alpha");
    ASSERT_TRUE(store_->markRunning(id, nowMillis()));
    RunResult failed;
    failed.state = RunState::Failed;
    std::optional<std::vector<RunId>> queued;
    std::exception_ptr error;
    std::promise<void> reported;
    store_->finishRunAndQueueThen(id, failed, nowMillis(),
                                  {NewRun{"alpha", Trigger::Retry, {}, 2, "n1"}},
                                  [&](auto ids, auto failure) {
                                      queued = std::move(ids);
                                      error = failure;
                                      reported.set_value();
                                  });
    ASSERT_EQ(reported.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_FALSE(error);
    ASSERT_TRUE(queued);
    ASSERT_EQ(queued->size(), 1u);
    store_.reset();  // what another process sees now
    store_ = openSqliteStore(path_);
    EXPECT_EQ(store_->run(id)->state, RunState::Failed);
    EXPECT_EQ(store_->run(queued->front())->attempt, 2);
}

TEST_F(SqliteStoreTest, AnEndThatCannotBeRecordedIsReportedAndChangesNothing) {
    const auto id = queue("alpha");
    NewRun spooled{"alpha", Trigger::Api, {}, 1, "n1"};
    spooled.spoolId = "spool-1";
    store_->insertRun(spooled);
    RunResult failed;
    failed.state = RunState::Failed;
    std::exception_ptr error;
    std::promise<void> reported;
    // Its follower repeats a spool id: the end and the follower are refused together.
    store_->finishRunAndQueueThen(id, failed, nowMillis(), {spooled}, [&](auto, auto failure) {
        error = failure;
        reported.set_value();
    });
    ASSERT_EQ(reported.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    ASSERT_TRUE(error);
    EXPECT_THROW(std::rethrow_exception(error), StoreError);
    EXPECT_EQ(store_->run(id)->state, RunState::Queued);
}

TEST_F(SqliteStoreTest, ARunIsReadWithItsJob) {
    auto job = sampleJob("alpha");
    ASSERT_TRUE(store_->insertJob(job));
    const auto id = queue("alpha");
    auto found = store_->runAndJob(id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->run.id, id);
    ASSERT_TRUE(found->job);
    EXPECT_EQ(found->job->name, "alpha");
    ASSERT_TRUE(store_->deleteJob("alpha"));
    found = store_->runAndJob(id);
    ASSERT_TRUE(found) << "the run outlives its job";
    EXPECT_FALSE(found->job);
    EXPECT_FALSE(store_->runAndJob(id + 100));
}

TEST_F(SqliteStoreTest, FireIsIdempotentPerSlot) {
    NewRun fire{"alpha", Trigger::Schedule, 1'700'000'000'000, 1, "n1"};
    const auto first = store_->insertScheduledRun(fire);
    const auto second = store_->insertScheduledRun(fire);
    EXPECT_FALSE(first.duplicate);
    EXPECT_TRUE(second.duplicate);
    EXPECT_EQ(first.run, second.run);
    fire.slot = 1'700'000'060'000;
    EXPECT_FALSE(store_->insertScheduledRun(fire).duplicate);
}

TEST_F(SqliteStoreTest, HistoryIsNewestFirstFilteredAndPaged) {
    for (int i = 0; i < 5; ++i) queue("a");
    for (int i = 0; i < 3; ++i) queue("b");
    const auto all = store_->runs({});
    ASSERT_EQ(all.size(), 8u);
    EXPECT_GT(all.front().id, all.back().id);
    RunFilter onlyA;
    onlyA.job = "a";
    onlyA.limit = 2;
    const auto page1 = store_->runs(onlyA);
    ASSERT_EQ(page1.size(), 2u);
    onlyA.before = page1.back().id;
    const auto page2 = store_->runs(onlyA);
    ASSERT_EQ(page2.size(), 2u);
    EXPECT_LT(page2.front().id, page1.back().id);
    RunFilter running;
    running.state = RunState::Running;
    store_->markRunning(all.front().id, nowMillis());
    EXPECT_EQ(store_->runs(running).size(), 1u);
}

TEST_F(SqliteStoreTest, RunsLeftRunningByADeadProcessBecomeInterrupted) {
    const auto running = queue("a");
    const auto waiting = queue("a");
    store_->markRunning(running, nowMillis());
    store_.reset();
    store_ = openSqliteStore(path_);
    EXPECT_EQ(store_->interruptAbandonedRuns(nowMillis()), 1);
    EXPECT_EQ(store_->run(running)->state, RunState::Interrupted);
    EXPECT_EQ(store_->queuedRuns(), std::vector<RunId>{waiting});
}

TEST_F(SqliteStoreTest, MigrationsSetTheSchemaVersion) {
    Poco::Data::Session session("SQLite", path_);
    int version = 0;
    session << "PRAGMA user_version", Poco::Data::Keywords::into(version),
        Poco::Data::Keywords::now;
    EXPECT_EQ(version, static_cast<int>(sqliteMigrations().size()));
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromTheFuture) {
    store_.reset();
    {
        Poco::Data::Session session("SQLite", path_);
        session << "PRAGMA user_version = 999", Poco::Data::Keywords::now;
    }
    EXPECT_THROW(openSqliteStore(path_), StoreError);
}

TEST_F(SqliteStoreTest, HistoryQueriesUseAnIndex) {
    Poco::Data::Session session("SQLite", path_);
    std::vector<std::string> plan;
    std::vector<int> a, b, c;
    session << "EXPLAIN QUERY PLAN SELECT * FROM runs WHERE job = 'x' AND id < 5 ORDER BY id DESC "
               "LIMIT 50",
        Poco::Data::Keywords::into(a), Poco::Data::Keywords::into(b), Poco::Data::Keywords::into(c),
        Poco::Data::Keywords::into(plan), Poco::Data::Keywords::now;
    ASSERT_FALSE(plan.empty());
    EXPECT_NE(plan.front().find("USING INDEX"), std::string::npos) << plan.front();
    EXPECT_EQ(plan.front().find("TEMP B-TREE"), std::string::npos) << plan.front();
}

}  // namespace
}  // namespace belfry
