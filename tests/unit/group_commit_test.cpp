#include "group_commit.h"
#include "../support/fresh_temp_dir.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace belfry {
namespace {

using namespace Poco::Data::Keywords;

class GroupCommitTest : public ::testing::Test {
  protected:
    void SetUp() override {
        Poco::Data::SQLite::Connector::registerConnector();
        dir_ = test::freshTempDirectory();
        path_ = dir_ + "/group-commit.db";
        session_ = std::make_unique<Poco::Data::Session>("SQLite", path_);
        *session_ << "PRAGMA journal_mode=WAL", now;
        *session_ << "CREATE TABLE t (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)", now;
        commits_ = std::make_unique<GroupCommit>(*session_, WriteTurns::forDatabase(path_));
    }
    void TearDown() override {
        commits_.reset();
        session_.reset();
        Poco::File(dir_).remove(true);
    }
    // What another connection (another process, or belfryd after a crash) sees.
    int committedRows() {
        Poco::Data::Session reader("SQLite", path_);
        int count = 0;
        reader << "SELECT COUNT(*) FROM t", into(count), now;
        return count;
    }
    void insert(int value) {
        commits_->run([&] { *session_ << "INSERT INTO t (value) VALUES (?)", use(value), now; });
    }

    std::string dir_;
    std::string path_;
    std::unique_ptr<Poco::Data::Session> session_;
    std::unique_ptr<GroupCommit> commits_;
};

TEST_F(GroupCommitTest, EveryReturnedWriteIsVisibleToAnotherConnection) {
    std::atomic<bool> allVisible{true};
    std::vector<std::thread> writers;
    for (int thread = 0; thread < 8; ++thread) {
        writers.emplace_back([&, thread] {
            for (int i = 0; i < 50; ++i) {
                insert(thread * 1000 + i);
                // Acknowledged means committed: a fresh connection must already see the row.
                Poco::Data::Session reader("SQLite", path_);
                int found = 0;
                int value = thread * 1000 + i;
                reader << "SELECT COUNT(*) FROM t WHERE value = ?", use(value), into(found), now;
                if (found != 1) allVisible = false;
            }
        });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_TRUE(allVisible);
    EXPECT_EQ(committedRows(), 400);
}

TEST_F(GroupCommitTest, ConcurrentWritesShareCommits) {
    std::vector<std::thread> writers;
    for (int thread = 0; thread < 8; ++thread) {
        writers.emplace_back([&] {
            for (int i = 0; i < 200; ++i) insert(i);
        });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(committedRows(), 1600);
    EXPECT_LT(commits_->commits(), 1600u);
}

TEST_F(GroupCommitTest, AFailingOperationIsUndoneAloneAndReported) {
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int thread = 0; thread < 4; ++thread) {
        writers.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (i % 10 == 0) {
                    try {
                        // Inserts a row, then violates NOT NULL: the whole operation must go.
                        commits_->run([&] {
                            *session_ << "INSERT INTO t (value) VALUES (-1)", now;
                            *session_ << "INSERT INTO t (value) VALUES (NULL)", now;
                        });
                    } catch (const Poco::Exception&) {
                        ++failures;
                    }
                } else {
                    insert(i);
                }
            }
        });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(failures.load(), 40);
    EXPECT_EQ(committedRows(), 360);
    Poco::Data::Session reader("SQLite", path_);
    int halfDone = 0;
    reader << "SELECT COUNT(*) FROM t WHERE value = -1", into(halfDone), now;
    EXPECT_EQ(halfDone, 0);
}

TEST_F(GroupCommitTest, ALoneFailingOperationLeavesNothingAndTheNextOneCommits) {
    EXPECT_THROW(commits_->run([&] {
        *session_ << "INSERT INTO t (value) VALUES (-1)", now;
        *session_ << "INSERT INTO t (value) VALUES (NULL)", now;
    }),
                 Poco::Exception);
    EXPECT_EQ(committedRows(), 0);
    insert(5);
    EXPECT_EQ(committedRows(), 1);
}

TEST_F(GroupCommitTest, WaitsForAnotherConnectionsWriteInsteadOfFailing) {
    // Another process (the history pruner, an admin's sqlite3) holds the write lock for a moment
    // and commits: an operation that reads and then writes must wait for it, not fail with
    // "database is locked".
    *session_ << "PRAGMA busy_timeout=5000", now;
    Poco::Data::Session other("SQLite", path_);
    other << "BEGIN IMMEDIATE", now;
    other << "INSERT INTO t (value) VALUES (1)", now;
    std::thread committer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        other << "COMMIT", now;
    });
    EXPECT_NO_THROW(commits_->run([&] {
        int rows = 0;
        *session_ << "SELECT COUNT(*) FROM t", into(rows), now;
        *session_ << "INSERT INTO t (value) VALUES (?)", use(rows), now;
    }));
    committer.join();
    EXPECT_EQ(committedRows(), 2);
}

TEST_F(GroupCommitTest, AfterCommitHooksRunOnlyForCommittedOperations) {
    std::atomic<int> hooks{0};
    std::atomic<int> committedBeforeHook{0};
    std::vector<std::thread> writers;
    for (int thread = 0; thread < 4; ++thread) {
        writers.emplace_back([&, thread] {
            for (int i = 0; i < 50; ++i) {
                const bool fails = i % 5 == 0;
                int value = thread * 1000 + i;
                try {
                    commits_->run([&] {
                        *session_ << "INSERT INTO t (value) VALUES (?)", use(value), now;
                        commits_->afterCommit([&, value] {
                            // Another connection already sees the change when the hook runs.
                            Poco::Data::Session reader("SQLite", path_);
                            int found = 0;
                            int wanted = value;
                            reader << "SELECT COUNT(*) FROM t WHERE value = ?", use(wanted),
                                into(found), now;
                            committedBeforeHook += found;
                            ++hooks;
                        });
                        if (fails) *session_ << "INSERT INTO t (value) VALUES (NULL)", now;
                    });
                } catch (const Poco::Exception&) {
                }
            }
        });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(committedRows(), 160);
    EXPECT_EQ(hooks.load(), 160) << "one hook per committed operation, none for failed ones";
    EXPECT_EQ(committedBeforeHook.load(), 160);
}

TEST_F(GroupCommitTest, PostedOperationsAreAllCommittedAndReportedThoughNobodyWaits) {
    // Only posts, from several threads at once: whoever combines must run every batch, or a
    // posted operation would sit in the queue for good.
    std::mutex mutex;
    std::condition_variable reported;
    int committed = 0, failed = 0;
    std::vector<std::thread> posters;
    for (int thread = 0; thread < 4; ++thread) {
        posters.emplace_back([&, thread] {
            for (int i = 0; i < 100; ++i) {
                const bool fails = i % 10 == 0;
                commits_->post(
                    [this, fails, value = thread * 1000 + i]() mutable {
                        *session_ << "INSERT INTO t (value) VALUES (?)", use(value), now;
                        if (fails) *session_ << "INSERT INTO t (value) VALUES (NULL)", now;
                    },
                    [&](std::exception_ptr error) {
                        std::lock_guard<std::mutex> lock(mutex);
                        ++(error ? failed : committed);
                        reported.notify_all();
                    });
            }
        });
    }
    for (auto& poster : posters) poster.join();
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(reported.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return committed + failed == 400; }))
        << committed << " committed and " << failed << " failed of 400";
    EXPECT_EQ(failed, 40);
    EXPECT_EQ(committedRows(), 360);
}

TEST_F(GroupCommitTest, ACallbackThatUsesItsGroupCommitIsRefusedInsteadOfDeadlocking) {
    std::string refusal;
    commits_->post([this] { *session_ << "INSERT INTO t (value) VALUES (2)", now; },
                   [&](std::exception_ptr) {
                       try {
                           insert(3);
                       } catch (const std::logic_error& e) {
                           refusal = e.what();
                       }
                   });
    EXPECT_NE(refusal.find("callback"), std::string::npos) << refusal;
    EXPECT_EQ(committedRows(), 1) << "the posted write is made, the refused one is not";
}

}  // namespace
}  // namespace belfry
