// Group commit for one SQLite connection: operations that arrive together share one transaction
// and one commit, and none returns before that commit, so "a 2xx answer means the change is
// committed" still holds while a burst of runs pays for far fewer commits.
//
// Operations queue up; the first caller to find nobody at work becomes the combiner: it takes
// every queued operation, runs them in one transaction, commits, and hands the results back.
// Whatever arrives meanwhile waits for the next batch, so a batch grows with the load behind it
// and a lone operation commits at once (nobody waits for company that is not there). After its
// batch the combiner returns; a caller still waiting becomes the next combiner.
//
// In a batch of several operations each runs in its own savepoint, so one that fails is undone
// alone; a lone operation that fails rolls its transaction back. A commit that fails fails every
// operation of its batch (none was acknowledged). A batch of reads alone opens no transaction.
//
// Thread-safety: run() and read() may be called from any thread. The connection is used only by
// the combiner of the moment, so the operations themselves are serialised.
#pragma once

#include <Poco/Data/Session.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
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
        return perform(std::forward<Fn>(fn), Kind::Write);
    }

    // For operations that only read: `fn` runs in the next batch, so it sees that batch's writes,
    // and returns only after the batch has committed (it never reports what a crash could undo).
    template <typename Fn>
    auto read(Fn&& fn) -> decltype(fn()) {
        return perform(std::forward<Fn>(fn), Kind::Read);
    }

    // Runs on the combiner's thread when a commit fails (to drop caches of what was lost).
    void setOnBatchFailed(std::function<void()> callback) { onBatchFailed_ = std::move(callback); }

    // Transactions committed so far (a measure of how much batching happened).
    std::uint64_t commits() const { return commits_.load(); }

  private:
    enum class Kind { Read, Write };

    struct Operation {
        Operation(const std::function<void()>& f, Kind k) : fn(f), kind(k) {}
        const std::function<void()>& fn;
        const Kind kind;
        bool done = false;  // guarded by mutex_
        std::exception_ptr failure;
        // Each waiter sleeps on its own: a batch's end wakes only the operations it ran, and the
        // one caller that is to combine next, not every thread at the door.
        std::condition_variable wake;
    };

    template <typename Fn>
    auto perform(Fn&& fn, Kind kind) -> decltype(fn()) {
        using Result = decltype(fn());
        if constexpr (std::is_void_v<Result>) {
            const std::function<void()> erased = [&] { fn(); };
            performErased(erased, kind);
        } else {
            Result result{};
            const std::function<void()> erased = [&] { result = fn(); };
            performErased(erased, kind);
            return result;
        }
    }

    void performErased(const std::function<void()>& fn, Kind kind);
    // On the combiner's thread, without mutex_: records each operation's failure, if any.
    void runBatch(const std::vector<Operation*>& batch);
    void runWrites(const std::vector<Operation*>& batch);
    void runInSavepoint(const std::function<void()>& fn);
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
    std::function<void()> onBatchFailed_;
};

}  // namespace belfry
