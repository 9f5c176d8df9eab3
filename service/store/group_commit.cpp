#include "group_commit.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <algorithm>

namespace belfry {

GroupCommit::GroupCommit(Poco::Data::Session& session, std::shared_ptr<WriteTurns> turns)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)), turns_(std::move(turns)) {}

void GroupCommit::performErased(const std::function<void()>& fn, Kind kind) {
    Operation operation(fn, kind);
    std::unique_lock<std::mutex> lock(mutex_);
    pending_.push_back(&operation);
    while (!operation.done) {
        if (combining_) {
            operation.wake.wait(lock);
            continue;
        }
        // Nobody at work: this caller runs everything queued, its own operation included (a
        // batch that took it would have marked it done before letting go of combining_).
        combining_ = true;
        std::vector<Operation*> batch;
        batch.swap(pending_);
        lock.unlock();
        runBatch(batch);
        lock.lock();
        combining_ = false;
        for (auto* done : batch) {
            done->done = true;
            if (done != &operation) done->wake.notify_one();
        }
        // Whoever queued meanwhile is still waiting: the first of them combines next.
        if (!pending_.empty()) pending_.front()->wake.notify_one();
    }
    if (operation.failure) std::rethrow_exception(operation.failure);
}

void GroupCommit::runBatch(const std::vector<Operation*>& batch) {
    const bool writes = std::any_of(batch.begin(), batch.end(),
                                    [](const Operation* op) { return op->kind == Kind::Write; });
    if (!writes) {
        for (auto* op : batch) {
            try {
                op->fn();
            } catch (...) {
                op->failure = std::current_exception();
            }
        }
        return;
    }
    runWrites(batch);
}

void GroupCommit::runWrites(const std::vector<Operation*>& batch) {
    // IMMEDIATE takes the write lock now, waiting (busy_timeout) for another connection such as
    // the history pruner; a deferred transaction that read first would instead fail at its first
    // write with SQLITE_BUSY, no waiting, whenever that connection had written since. The turn
    // makes this process's writers wait in line rather than poll (write_turns.h).
    const WriteTurns::Turn turn(*turns_);
    const auto failAll = [&](std::exception_ptr failure) {
        for (auto* op : batch) {
            if (!op->failure) op->failure = failure;
        }
    };
    try {
        beginTransaction_.execute().run();
    } catch (...) {
        failAll(std::current_exception());
        return;
    }
    if (batch.size() == 1) {
        // Alone in its transaction: a failure rolls the transaction back.
        try {
            batch.front()->fn();
        } catch (...) {
            batch.front()->failure = std::current_exception();
            rollbackQuietly();
            return;
        }
    } else {
        for (auto* op : batch) {
            try {
                runInSavepoint(op->fn);
            } catch (...) {
                op->failure = std::current_exception();
            }
        }
    }
    try {
        commitTransaction_.execute().run();
        ++commits_;
    } catch (...) {
        failAll(std::current_exception());
        rollbackQuietly();
        if (onBatchFailed_) onBatchFailed_();
    }
}

void GroupCommit::runInSavepoint(const std::function<void()>& fn) {
    savepoint_.execute().run();
    try {
        fn();
    } catch (...) {
        rollbackToSavepoint_.execute().run();
        releaseSavepoint_.execute().run();
        throw;
    }
    releaseSavepoint_.execute().run();
}

void GroupCommit::rollbackQuietly() {
    try {
        if (!sqlite3_get_autocommit(db_)) rollbackTransaction_.execute().run();
    } catch (const SqliteError&) {
        // The error that led here is the one worth reporting; a failed rollback adds nothing.
    }
}

}  // namespace belfry
