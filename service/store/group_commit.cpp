#include "group_commit.h"

#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <sqlite3.h>

namespace belfry {

using namespace Poco::Data::Keywords;

namespace {

void rollbackQuietly(Poco::Data::Session& session) {
    try {
        if (!sqlite3_get_autocommit(Poco::Data::SQLite::Utility::dbHandle(session))) {
            session << "ROLLBACK", now;
        }
    } catch (const Poco::Exception&) {
        // The error that led here is the one worth reporting; a failed rollback adds nothing.
    }
}

}  // namespace

void GroupCommit::runErased(const std::function<void()>& fn) {
    ++arriving_;
    std::unique_lock<std::mutex> lock(mutex_);
    --arriving_;
    if (!open_) {
        // Leader: nobody else is in the transaction while `fn` runs, so a failure rolls it back.
        // IMMEDIATE takes the write lock now, waiting (busy_timeout) for another connection such
        // as the history pruner; a deferred transaction that read first would instead fail at its
        // first write with SQLITE_BUSY, no waiting, whenever that connection had written since.
        // The turn makes this process's writers wait in line rather than poll (write_turns.h).
        const WriteTurns::Turn turn(*turns_);
        session_ << "BEGIN IMMEDIATE", now;
        auto batch = std::make_shared<Batch>();
        open_ = batch;
        try {
            fn();
        } catch (...) {
            rollbackQuietly(session_);
            finish(*batch);
            throw;
        }
        commitBatch(lock, *batch);
        if (batch->failure) std::rethrow_exception(batch->failure);
        return;
    }
    const std::shared_ptr<Batch> batch = open_;
    std::exception_ptr own;
    try {
        runInSavepoint(fn);
    } catch (...) {
        own = std::current_exception();
    }
    awaitCommit(lock, *batch);
    if (own) std::rethrow_exception(own);
    if (batch->failure) std::rethrow_exception(batch->failure);
}

void GroupCommit::readErased(const std::function<void()>& fn) {
    ++arriving_;
    std::unique_lock<std::mutex> lock(mutex_);
    --arriving_;
    if (!open_) {
        fn();
        return;
    }
    const std::shared_ptr<Batch> batch = open_;
    fn();
    awaitCommit(lock, *batch);
    if (batch->failure) std::rethrow_exception(batch->failure);
}

void GroupCommit::runInSavepoint(const std::function<void()>& fn) {
    session_ << "SAVEPOINT operation", now;
    try {
        fn();
    } catch (...) {
        session_ << "ROLLBACK TO operation", now;
        session_ << "RELEASE operation", now;
        throw;
    }
    session_ << "RELEASE operation", now;
}

void GroupCommit::awaitCommit(std::unique_lock<std::mutex>& lock, const Batch& batch) {
    changed_.notify_all();  // the leader may be waiting for this operation to join
    changed_.wait(lock, [&] { return batch.done; });
}

void GroupCommit::commitBatch(std::unique_lock<std::mutex>& lock, Batch& batch) {
    const auto deadline = std::chrono::steady_clock::now() + kJoinWindow;
    while (arriving_.load() > 0 && changed_.wait_until(lock, deadline) != std::cv_status::timeout) {
    }
    try {
        session_ << "COMMIT", now;
        ++commits_;
    } catch (...) {
        batch.failure = std::current_exception();
        rollbackQuietly(session_);
        if (onBatchFailed_) onBatchFailed_();
    }
    finish(batch);
}

void GroupCommit::finish(Batch& batch) {
    batch.done = true;
    open_.reset();
    changed_.notify_all();
}

}  // namespace belfry
