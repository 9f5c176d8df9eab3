// Group commit for one SQLite connection: operations that arrive together share one transaction
// and one commit, and none returns before that commit, so "a 2xx answer means the change is
// committed" still holds while a burst of runs pays for far fewer commits.
//
// Operations queue up; the first caller to find nobody at work becomes the combiner: it takes
// every queued operation, runs them in one transaction, commits, and hands the results back.
// Whatever arrives meanwhile waits for the next batch, so a batch grows with the load behind it
// and a lone operation commits at once (nobody waits for company that is not there). After its
// batch the combiner hands over to a caller still waiting, if any; posted operations (post())
// have nobody waiting, so it runs their batches itself until one is there, and no posted
// operation is ever left behind.
//
// In a batch of several operations each runs in its own savepoint, so one that fails is undone
// alone; a lone operation that fails rolls its transaction back. A commit that fails fails every
// operation of its batch (none was acknowledged).
//
// Reads do not come here: a store reads committed state on a connection of its own, without
// waiting for anyone's batch.
//
// Thread-safety: run() may be called from any thread. The connection is used only by the
// combiner of the moment, so the operations themselves are serialised.
#pragma once

#include <Poco/Data/Session.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "sqlite_statement.h"
#include "write_turns.h"

namespace belfry {

class GroupCommit {
  public:
    // `turns` orders this connection's transactions with the process's other writers of the
    // same database (write_turns.h).
    GroupCommit(Poco::Data::Session& session, std::shared_ptr<WriteTurns> turns);

    // Runs `fn` inside a batch's transaction and returns its result once the batch has
    // committed. An exception from `fn` (its changes undone) or from the commit propagates.
    template <typename Fn>
    auto run(Fn&& fn) -> decltype(fn()) {
        using Result = decltype(fn());
        if constexpr (std::is_void_v<Result>) {
            const std::function<void()> erased = [&] { fn(); };
            runErased(erased);
        } else {
            Result result{};
            const std::function<void()> erased = [&] { result = fn(); };
            runErased(erased);
            return result;
        }
    }

    // Queues `fn` like run() but returns without waiting (unless nobody else is at work: then
    // this caller runs the batch). `done` runs once the batch has committed, with nullptr, or
    // with why `fn` or the commit failed; it runs on the combining thread, so it must be short
    // and must not use this GroupCommit (that would wait for itself: it throws instead).
    void post(std::function<void()> fn, std::function<void(std::exception_ptr)> done);

    // Called from within an operation: `hook` runs once that operation's changes are committed
    // (before its caller returns), and never if they are not.
    void afterCommit(std::function<void()> hook);

    // Transactions committed so far (a measure of how much batching happened).
    std::uint64_t commits() const { return commits_.load(); }

  private:
    struct Operation {
        explicit Operation(const std::function<void()>& f) : fn(f) {}
        const std::function<void()>& fn;
        bool done = false;  // guarded by mutex_
        std::exception_ptr failure;
        std::vector<std::function<void()>> afterCommit;
        // A caller waits for it (run()); otherwise it was posted, and `posted` owns it.
        struct Posted {
            std::function<void()> fn;
            std::function<void(std::exception_ptr)> done;
        };
        std::unique_ptr<Posted> posted;
        // Each waiter sleeps on its own: a batch's end wakes only the operations it ran, and the
        // one caller that is to combine next, not every thread at the door.
        std::condition_variable wake;
    };

    void runErased(const std::function<void()>& fn);
    // With mutex_ held and nobody combining: runs batches until none is left or a waiting
    // caller can take over.
    void combine(std::unique_lock<std::mutex>& lock);
    // On the combiner's thread, without mutex_: records each operation's failure, if any.
    void runBatch(const std::vector<Operation*>& batch);
    void runOne(Operation& operation, bool inSavepoint);
    void rollbackQuietly();

    sqlite3* db_;
    std::shared_ptr<WriteTurns> turns_;
    // The transaction's own statements, prepared once: they run several times per batch.
    SqliteStatement beginTransaction_{db_, "BEGIN IMMEDIATE"};
    SqliteStatement commitTransaction_{db_, "COMMIT"};
    SqliteStatement rollbackTransaction_{db_, "ROLLBACK"};
    SqliteStatement savepoint_{db_, "SAVEPOINT operation"};
    SqliteStatement releaseSavepoint_{db_, "RELEASE operation"};
    SqliteStatement rollbackToSavepoint_{db_, "ROLLBACK TO operation"};

    std::mutex mutex_;
    std::vector<Operation*> pending_;  // waiting for the next batch
    bool combining_ = false;           // a batch is running
    std::atomic<std::uint64_t> commits_{0};
    Operation* current_ = nullptr;  // the operation the combiner is running, for afterCommit()
    std::thread::id combiner_;      // the thread running batches, while one does
};

}  // namespace belfry
