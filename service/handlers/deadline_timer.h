// Calls functions at given instants on one process-wide thread: the timeouts and the grace
// periods of handler runs (handler_run.h). A deadline later than the earliest one waiting wakes
// nobody, so a run that ends in time costs two short critical sections and no thread switch.
//
// Never destroyed: a callback may be pending for an abandoned handler when belfryd exits.
// Thread-safety: all members from any thread. Callbacks run on the timer's thread, one at a
// time, and must be short.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace belfry {

class DeadlineTimer {
  public:
    using Clock = std::chrono::steady_clock;
    using Id = std::uint64_t;

    static DeadlineTimer& shared();

    // Calls `fn` at `at` (at once, if it has passed). Throws std::system_error if the timer's
    // thread cannot start (the first time only).
    Id schedule(Clock::time_point at, std::function<void()> fn);
    // True if the call had not started (and never will); false if it ran or is running.
    bool cancel(Id id);

  private:
    DeadlineTimer() = default;
    void serve();

    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::pair<Clock::time_point, Id>, std::function<void()>> waiting_;
    std::unordered_map<Id, Clock::time_point> due_;  // the key of each waiting call
    Id next_ = 1;
    Clock::time_point wakeAt_ = Clock::time_point::max();  // when the thread looks next
    bool started_ = false;
};

}  // namespace belfry
