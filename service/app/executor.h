// The executor: a fixed pool of workers that take queued runs and carry them out, so a burst of
// fires queues instead of spawning thousands of processes at once.
//
// Contract: a run is inserted into the store as `queued` by the caller (that commit is what an
// API answer acknowledges) and then submitted here by id. The executor moves it to `running`,
// performs the job's action, and records the end state. A run that is cancelled while still
// queued never starts. On shutdown, running runs are stopped and recorded as `interrupted`;
// queued ones stay queued in the store and run at the next start.
//
// Policies (each in its own file): before a run starts, the job's concurrency rule decides
// whether it starts, waits or is skipped (concurrency_gate.h); when an attempt fails, the job's
// retry rule may queue the next attempt in the same transaction (retry_policy.h); a run with a
// due time waits for it (due_runs.h).
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cancel_source.h"
#include "concurrency_gate.h"
#include "due_runs.h"
#include "handler_registry.h"
#include "store.h"

namespace belfry {

struct ExecutorOptions {
    int workers = 8;
    std::string node;
    std::chrono::milliseconds killGrace = std::chrono::seconds(10);  // SIGTERM -> SIGKILL
    // SIGTERM -> SIGKILL when belfryd stops (shutdown.grace).
    std::chrono::milliseconds shutdownGrace = std::chrono::seconds(30);
    std::size_t outputLimit = 64 * 1024;
    // For jobs with a `handler` action; none known when null. Outlives the executor.
    const HandlerRegistry* handlers = nullptr;
};

class Executor {
  public:
    Executor(Store& store, ExecutorOptions options);
    ~Executor();  // shuts down if still running
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    void start();
    // Queues a stored run. Returns false once shutdown has begun (the run stays queued in the
    // store for the next start).
    bool submit(RunId id);
    // Queues a stored run once `due` has passed (at once when it has, or is unset). The due time
    // is the run's stored due_at, so a restart honours it too.
    void submitWhenDue(RunId id, std::optional<EpochMillis> due);

    enum class CancelResult { Cancelling, NotFound, AlreadyEnded };
    CancelResult cancel(RunId id);

    // Blocks until the run is neither queued nor running in this executor, or until `deadline`,
    // or until shutdown begins. Returns true if it has ended (or was never active here).
    bool waitUntilEnded(RunId id, std::chrono::steady_clock::time_point deadline);

    // The first step of a shutdown: no run starts any more (submitted ones stay queued in the
    // store), delayed runs are no longer released, and waitUntilEnded() returns at once, so
    // long-polls end and the HTTP server can stop. Running jobs go on until shutdown().
    void stopAccepting();
    bool stopping() const;

    // Stops taking work, stops running jobs (SIGTERM, then SIGKILL after shutdown grace), records
    // them as interrupted and joins the workers.
    void shutdown();

    std::size_t runningCount() const;
    std::size_t queuedCount() const;

  private:
    void workerLoop();
    void execute(RunId id);
    // Asks the concurrency gate about a run about to start; false when it must not start now
    // (skipped, or waiting for its turn).
    bool admit(const Run& run, const std::optional<Job>& job,
               const std::shared_ptr<CancelSource>& cancel);
    // The run's end, or nullopt when its handler was abandoned (the run has been ended and this
    // worker replaced, from the timer's thread: see handler_run.h).
    // `found` has a job.
    std::optional<RunResult> perform(const std::shared_ptr<const Store::RunAndJob>& found,
                                     CancelSource& cancel);
    // Starts one more worker (with mutex_ held; throws std::system_error).
    void startWorker();
    // A worker was lost to an abandoned handler: another takes its place, unless stopping.
    void replaceWorker();
    // Records the end, with the retry the job's policy asks for and the continuations, without
    // waiting for the commit: the worker goes on to its next run, and this run leaves the
    // executor (its turn passes on, waiters wake, what follows it is submitted) once its end is
    // committed.
    void record(RunId id, const Run& run, const std::optional<Job>& job, RunResult result);
    // Logs a failure to record run `id` (the store's, or anything else a worker cannot record).
    static void logStoreFailure(RunId id, std::exception_ptr failure);
    // Lets the gate forget `id` and starts the run that was waiting for it, if any.
    void releaseSlot(RunId id);
    void forget(RunId id);

    Store& store_;
    ExecutorOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable workAvailable_;
    std::condition_variable runEnded_;
    std::deque<RunId> queue_;
    std::unordered_set<RunId> queued_;
    std::unordered_map<RunId, std::shared_ptr<CancelSource>> running_;
    ConcurrencyGate gate_;
    std::unordered_set<RunId> parked_;               // waiting in the gate for their job's turn
    std::unordered_set<RunId> replacedBeforeStart_;  // given a turn, then replaced before a worker
                                                     // got to them
    static constexpr std::size_t kRecentlyEndedCapacity = 4096;
    std::unordered_set<RunId> recentlyEnded_;
    std::deque<RunId> endOrder_;
    int liveWorkers_ = 0;  // started and not yet gone (an abandoned worker is gone)
    bool stopping_ = false;
    std::size_t recording_ = 0;               // ends handed to the store and not yet committed
    std::condition_variable workersChanged_;  // liveWorkers_ or recording_ went down
    DueRuns due_;  // last: its timer calls submit(), so it stops before the rest is destroyed
};

}  // namespace belfry
