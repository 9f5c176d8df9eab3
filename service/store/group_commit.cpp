#include "group_commit.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

namespace belfry {

GroupCommit::GroupCommit(Poco::Data::Session& session, std::shared_ptr<WriteTurns> turns)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)), turns_(std::move(turns)) {}

void GroupCommit::runErased(const std::function<void()>& fn) {
    Operation operation(fn);
    std::unique_lock<std::mutex> lock(mutex_);
    if (combiner_ == std::this_thread::get_id()) {
        throw std::logic_error("a commit callback used the group commit that called it");
    }
    pending_.push_back(&operation);
    while (!operation.done) {
        if (combining_) {
            operation.wake.wait(lock);
        } else {
            // Nobody at work: this caller runs everything queued, its own operation included (a
            // batch that took it would have marked it done before letting go of combining_).
            combine(lock);
        }
    }
    if (operation.failure) std::rethrow_exception(operation.failure);
}

void GroupCommit::post(std::function<void()> fn, std::function<void(std::exception_ptr)> done) {
    auto posted = std::make_unique<Operation::Posted>();
    posted->fn = std::move(fn);
    posted->done = std::move(done);
    auto operation = std::make_unique<Operation>(posted->fn);
    operation->posted = std::move(posted);
    std::unique_lock<std::mutex> lock(mutex_);
    if (combiner_ == std::this_thread::get_id()) {
        throw std::logic_error("a commit callback used the group commit that called it");
    }
    pending_.push_back(operation.release());  // owned by the batch that runs it
    if (!combining_) combine(lock);
}

void GroupCommit::combine(std::unique_lock<std::mutex>& lock) {
    combining_ = true;
    combiner_ = std::this_thread::get_id();
    const auto someoneWaits = [&] {
        return std::any_of(pending_.begin(), pending_.end(),
                           [](const Operation* op) { return !op->posted; });
    };
    do {
        std::vector<Operation*> batch;
        batch.swap(pending_);
        lock.unlock();
        runBatch(batch);
        std::vector<std::unique_ptr<Operation>> posted;
        lock.lock();
        for (auto* done : batch) {
            if (done->posted) {
                posted.emplace_back(done);
            } else {
                done->done = true;
                done->wake.notify_one();  // a no-op for the combiner's own, which is not waiting
            }
        }
        lock.unlock();
        for (const auto& op : posted) op->posted->done(op->failure);
        lock.lock();
    } while (!pending_.empty() && !someoneWaits());
    combining_ = false;
    combiner_ = {};
    // A caller queued meanwhile is waiting: the first of them combines next.
    for (auto* op : pending_) {
        if (!op->posted) {
            op->wake.notify_one();
            break;
        }
    }
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
