// Queued runs that must not start before a given instant — a retry's back-off, a delayed API run
// ({"delay": "10m"}, {"at": ...}) — held until then and handed to `submit`. The due time is
// stored on the run (runs.due_at), so this holds nothing that a restart could lose: at start
// belfryd adds every queued run again with its stored due time, and overdue ones go at once.
//
// Due times are wall-clock instants (epoch milliseconds). The timer re-reads the clock at least
// every kMaxSleep, so a clock step does not leave a run waiting for the old time.
//
// Thread-safety: every public method may be called from any thread. `submit` is called from the
// timer thread, or from the caller of add() when the run is already due; never under the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "run.h"

namespace belfry {

class DueRuns {
  public:
    using Submit = std::function<void(RunId)>;
    static constexpr std::chrono::seconds kMaxSleep{30};

    explicit DueRuns(Submit submit);
    ~DueRuns();  // stops the timer
    DueRuns(const DueRuns&) = delete;
    DueRuns& operator=(const DueRuns&) = delete;

    void start();
    // Holds `id` until `due`; submits it at once when `due` has passed. After stop(), does
    // nothing: the run stays queued in the store for the next start.
    void add(RunId id, EpochMillis due);
    void stop();

    std::size_t pendingCount() const;

  private:
    void loop();

    Submit submit_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::set<std::pair<EpochMillis, RunId>> pending_;  // ordered by due time
    std::thread timer_;
    bool stopping_ = false;
};

}  // namespace belfry
