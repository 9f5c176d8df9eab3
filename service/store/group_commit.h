// Group commit for one SQLite connection: operations that arrive together share one transaction
// and one commit, and none returns before that commit, so "a 2xx answer means the change is
// committed" still holds while a burst of runs pays for far fewer commits.
//
// The first operation to find no transaction open becomes the batch's leader: it begins the
// transaction, runs its statements, and before committing lets every operation already waiting
// for the connection run inside the same transaction (bounded by kJoinWindow, so a steady stream
// cannot postpone a commit for long). A lone operation commits at once: nobody waits for company
// that is not there. Each operation that joins a batch runs in its own savepoint, so one that
// fails is undone alone (a leader that fails has nobody else in its transaction and rolls it
// back); a commit that fails fails every operation of its batch (none was acknowledged).
//
// Thread-safety: run() may be called from any thread; it serialises access to the connection.
#pragma once

#include <Poco/Data/Session.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "write_turns.h"

namespace belfry {

class GroupCommit {
  public:
    // `turns` orders this connection's transactions with the process's other writers of the
    // same database (write_turns.h).
    GroupCommit(Poco::Data::Session& session, std::shared_ptr<WriteTurns> turns)
        : session_(session), turns_(std::move(turns)) {}

    // Runs `fn` inside the current batch's transaction and returns its result once the batch has
    // committed. An exception from `fn` (its savepoint rolled back) or from the commit propagates.
    // `onBatchFailed` runs, under the lock, when a commit fails (to drop caches of what was lost).
    template <typename Fn>
    auto run(Fn&& fn) -> decltype(fn()) {
        using Result = decltype(fn());
        if constexpr (std::is_void_v<Result>) {
            runErased([&] { fn(); });
        } else {
            Result result{};
            runErased([&] { result = fn(); });
            return result;
        }
    }

    // For operations that only read: alone, `fn` runs at once outside any transaction; while a
    // batch is open it runs inside it (and so sees its writes) and returns after its commit.
    template <typename Fn>
    auto read(Fn&& fn) -> decltype(fn()) {
        decltype(fn()) result{};
        readErased([&] { result = fn(); });
        return result;
    }

    void setOnBatchFailed(std::function<void()> callback) { onBatchFailed_ = std::move(callback); }

    // Transactions committed so far (a measure of how much batching happened).
    std::uint64_t commits() const { return commits_.load(); }

    // How long a leader keeps its transaction open for operations already at the door.
    static constexpr std::chrono::microseconds kJoinWindow{2000};

  private:
    struct Batch {
        bool done = false;
        std::exception_ptr failure;  // why its commit failed
    };

    void runErased(const std::function<void()>& fn);
    void readErased(const std::function<void()>& fn);
    void runInSavepoint(const std::function<void()>& fn);
    void awaitCommit(std::unique_lock<std::mutex>& lock, const Batch& batch);
    void commitBatch(std::unique_lock<std::mutex>& lock, Batch& batch);
    void finish(Batch& batch);

    Poco::Data::Session& session_;
    std::shared_ptr<WriteTurns> turns_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::atomic<int> arriving_{0};  // operations waiting for the connection
    std::atomic<std::uint64_t> commits_{0};
    std::shared_ptr<Batch> open_;  // the batch whose transaction is open, if any
    std::function<void()> onBatchFailed_;
};

}  // namespace belfry
