// Keeps run history within `history.retention` in the background: every `interval` it deletes what
// the policy no longer keeps, in batches of `batchSize` rows, each its own short transaction, with
// a pause between batches so the store's writers (fires, run ends) get the database in between.
//
// Errors (a locked or broken database) are logged and retried at the next pass; pruning never
// stops the service.
//
// Thread-safety: start() and stop() from one thread (the daemon's main thread); the pruning itself
// runs on the pruner's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "history_retention.h"
#include "sqlite_history_pruner.h"

namespace belfry {

struct HistoryPrunerOptions {
    RetentionPolicy policy;
    std::chrono::milliseconds interval = std::chrono::minutes(1);
    std::size_t batchSize = 500;
    std::chrono::milliseconds pauseBetweenBatches{10};
};

class HistoryPruner {
  public:
    HistoryPruner(const std::string& databasePath, HistoryPrunerOptions options);
    ~HistoryPruner();  // stops
    HistoryPruner(const HistoryPruner&) = delete;
    HistoryPruner& operator=(const HistoryPruner&) = delete;

    void start();  // a no-op when the policy keeps everything
    void stop();   // returns after the current batch

    // One full pass on the calling thread; returns the number of runs deleted. For tests and the
    // background thread.
    std::size_t pruneOnce();

  private:
    void loop();
    // Deletes batches while `batch` returns a full one; false when stopping interrupted it.
    bool drain(const std::function<std::size_t()>& batch, std::size_t& deleted);
    bool pause(std::chrono::milliseconds duration);  // false when stopping

    SqliteHistoryPruner database_;
    HistoryPrunerOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace belfry
