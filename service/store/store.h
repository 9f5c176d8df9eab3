// The durable record of jobs and runs. Every mutating call returns only after its change is
// committed, so an API answer built on it never acknowledges something a crash could lose.
//
// Thread-safety: all methods may be called from any thread; implementations serialise access
// internally. Errors from the database surface as StoreError with a readable message.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "job.h"
#include "run.h"

namespace belfry {

class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct NewRun {
    std::string job;
    Trigger trigger = Trigger::Api;
    std::optional<EpochMillis> slot;
    int attempt = 1;
    std::string node;
    std::optional<EpochMillis> dueAt = std::nullopt;  // not before this instant; unset: at once
    // For a fire taken from the spool: the spool file's id, recorded so that a file taken once
    // is never taken again (a crash between the commit and the file's removal). "" otherwise.
    std::string spoolId = "";
};

struct RunResult {
    RunState state = RunState::Succeeded;
    std::optional<int> exitCode;
    std::optional<int> signal;
    std::optional<int> httpStatus;
    std::string output;
    std::string error;
};

struct RunFilter {
    std::optional<std::string> job;
    std::optional<RunState> state;
    std::optional<RunId> before;  // only runs with a smaller id: the paging cursor
    int limit = 50;
};

struct FireOutcome {
    RunId run = 0;           // the run that owns the slot
    bool duplicate = false;  // the (job, slot) had fired before: `run` is that earlier run, and
                             // `duplicateRecord` the `skipped` row that records this fire
    RunId duplicateRecord = 0;
};

class Store {
  public:
    virtual ~Store() = default;

    // Jobs. insertJob returns false when the name is taken; update/delete/setEnabled return
    // false when there is no such job.
    virtual bool insertJob(Job& job) = 0;  // sets createdAt/updatedAt
    virtual bool updateJob(Job& job) = 0;  // keeps createdAt, sets updatedAt
    virtual bool deleteJob(const std::string& name) = 0;
    virtual bool setJobEnabled(const std::string& name, bool enabled) = 0;
    virtual std::optional<Job> job(const std::string& name) = 0;
    virtual std::vector<Job> jobs() = 0;

    // Runs. insertRun records a queued run. insertScheduledRun does the same unless a run for
    // the same (job, slot) exists: then the fire is recorded as a `skipped` row naming the run
    // that owns the slot, and nothing runs twice.
    virtual RunId insertRun(const NewRun& run) = 0;
    // Records several queued runs in one transaction, all or none, and returns their ids in
    // order: a batch enqueued at once costs one commit instead of one per run.
    virtual std::vector<RunId> insertRuns(const std::vector<NewRun>& runs) = 0;
    virtual FireOutcome insertScheduledRun(const NewRun& run) = 0;
    // The newest slot that a scheduled or catch-up run of the job has taken.
    virtual std::optional<EpochMillis> latestSlot(const std::string& job) = 0;
    // The run (or duplicate record) recorded for the spooled fire with this id, if any.
    virtual std::optional<RunId> runOfSpooledFire(const std::string& spoolId) = 0;
    // Moves a queued run to running; false if it was no longer queued (e.g. cancelled).
    virtual bool markRunning(RunId id, EpochMillis startedAt) = 0;
    // Records the end of a queued or running run; false if it had already ended.
    virtual bool finishRun(RunId id, const RunResult& result, EpochMillis finishedAt) = 0;
    // finishRun and insertRun(each of `next`) in one transaction, so what follows a run (its
    // retry, its continuations) is never lost to a crash between the two. Returns the new runs'
    // ids in order, or nullopt (and inserts nothing) when `id` had already ended.
    virtual std::optional<std::vector<RunId>> finishRunAndQueue(
        RunId id, const RunResult& result, EpochMillis finishedAt,
        const std::vector<NewRun>& next) = 0;
    // finishRunAndQueue for a caller with more to do than wait for the commit: `then` gets what
    // finishRunAndQueue would return, or its StoreError, once the commit is done. It may run on
    // another thread (whichever committed the batch) or before this call returns; it must be
    // short, must not throw, and must not call this store.
    using FinishedThen =
        std::function<void(std::optional<std::vector<RunId>> queued, std::exception_ptr error)>;
    virtual void finishRunAndQueueThen(RunId id, RunResult result, EpochMillis finishedAt,
                                       std::vector<NewRun> next, FinishedThen then) = 0;
    virtual std::optional<Run> run(RunId id) = 0;
    // A run and its job (nullopt when the job is gone) in one read: what a worker needs to
    // decide whether the run may start.
    struct RunAndJob {
        Run run;
        std::optional<Job> job;
    };
    virtual std::optional<RunAndJob> runAndJob(RunId id) = 0;
    virtual std::vector<Run> runs(const RunFilter& filter) = 0;

    // Crash recovery at start: runs a dead process left `running` become `interrupted`; the
    // returned queued runs were acknowledged but never started and must still run (each at its
    // Run::dueAt, if it has one).
    virtual int interruptAbandonedRuns(EpochMillis now) = 0;
    virtual std::vector<RunId> queuedRuns() = 0;
};

struct SqliteOptions {
    // SQLite's synchronous mode in WAL. NORMAL (the default): a commit is in the WAL, in the
    // OS's page cache, when the call returns, so it survives a crash or kill -9 of belfryd; a
    // power loss or kernel crash may lose the last commits, never corrupt the file. FULL also
    // fsyncs every commit, which survives power loss but costs ~2.8 ms per commit on the
    // reference machine (vs ~0.14 ms) and caps the run rate at a few hundred per second.
    std::string synchronous = "NORMAL";
};

// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
std::unique_ptr<Store> openSqliteStore(const std::string& path, const SqliteOptions& options = {});

}  // namespace belfry
