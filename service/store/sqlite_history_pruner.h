// Deletes run history that the retention policy no longer keeps, a small batch per call, from the
// SQLite database belfryd's store uses.
//
// Why its own connection: the store serialises every statement behind one mutex; a pruner that
// shared it would make fires wait behind deletes. With its own connection in WAL mode, readers
// never wait, and the store's writes wait at most for one batch's transaction (a few ms for the
// default 500 rows), through SQLite's busy timeout.
//
// What is never deleted: runs that have not ended (queued, running, or anything without a finish
// time), and the run holding a job's latest scheduled slot, which the fire path reads to tell a
// late duplicate or a missed slot apart from a new one.
//
// Freed pages go to SQLite's freelist and are reused by new runs, so the file stops growing once
// history is at its bound (it does not shrink; see README "Run history retention").
//
// Thread-safety: one thread at a time (the background pruner's); it may run beside any number of
// threads using the store.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "job.h"

namespace belfry {

class SqliteHistoryPruner {
  public:
    // Opens a second connection to the database at `path`, which the store has already created
    // and migrated. Throws StoreError.
    explicit SqliteHistoryPruner(const std::string& path);
    ~SqliteHistoryPruner();
    SqliteHistoryPruner(const SqliteHistoryPruner&) = delete;
    SqliteHistoryPruner& operator=(const SqliteHistoryPruner&) = delete;

    // Deletes up to `limit` ended runs that finished before `cutoff`, oldest first; returns how
    // many went.
    std::size_t pruneFinishedBefore(EpochMillis cutoff, std::size_t limit);
    // Jobs (by the name in their runs, deleted jobs included) with more than `keep` runs.
    std::vector<std::string> jobsWithMoreRunsThan(std::size_t keep);
    // Deletes up to `limit` of the job's ended runs beyond its newest `keep`; returns how many.
    std::size_t pruneBeyondNewest(const std::string& job, std::size_t keep, std::size_t limit);

  private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
    std::string path_;
};

}  // namespace belfry
