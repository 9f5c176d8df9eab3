#include "group_commit.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

namespace belfry {

GroupCommit::GroupCommit(Poco::Data::Session& session, std::shared_ptr<WriteTurns> turns)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)), turns_(std::move(turns)) {}

void GroupCommit::runErased(const std::function<void()>& fn) {
    Operation operation(fn);
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

void GroupCommit::afterCommit(std::function<void()> hook) {
    current_->afterCommit.push_back(std::move(hook));
}

void GroupCommit::runBatch(const std::vector<Operation*>& batch) {
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
    // Alone in its transaction, an operation that fails rolls the transaction back; in company,
    // it rolls back its own savepoint and the others go on.
    const bool alone = batch.size() == 1;
    for (auto* op : batch) runOne(*op, !alone);
    if (alone && batch.front()->failure) {
        rollbackQuietly();
        return;
    }
    try {
        commitTransaction_.execute().run();
        ++commits_;
    } catch (...) {
        failAll(std::current_exception());
        rollbackQuietly();
        return;
    }
    for (auto* op : batch) {
        if (op->failure) continue;
        for (const auto& hook : op->afterCommit) hook();
    }
}

void GroupCommit::runOne(Operation& operation, bool inSavepoint) {
    current_ = &operation;
    try {
        if (inSavepoint) savepoint_.execute().run();
        try {
            operation.fn();
        } catch (...) {
            if (inSavepoint) {
                rollbackToSavepoint_.execute().run();
                releaseSavepoint_.execute().run();
            }
            throw;
        }
        if (inSavepoint) releaseSavepoint_.execute().run();
    } catch (...) {
        operation.failure = std::current_exception();
        operation.afterCommit.clear();
    }
    current_ = nullptr;
}

void GroupCommit::rollbackQuietly() {
    try {
        if (!sqlite3_get_autocommit(db_)) rollbackTransaction_.execute().run();
    } catch (const SqliteError&) {
        // The error that led here is the one worth reporting; a failed rollback adds nothing.
    }
}

}  // namespace belfry
