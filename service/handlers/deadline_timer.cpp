#include "deadline_timer.h"

namespace belfry {

DeadlineTimer& DeadlineTimer::shared() {
    static DeadlineTimer* const timer = new DeadlineTimer;  // never destroyed (see header)
    return *timer;
}

DeadlineTimer::Id DeadlineTimer::schedule(Clock::time_point at, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
        std::thread([this] { serve(); }).detach();
        started_ = true;
    }
    const Id id = next_++;
    waiting_.emplace(std::make_pair(at, id), std::move(fn));
    due_.emplace(id, at);
    if (at < wakeAt_) changed_.notify_one();
    return id;
}

bool DeadlineTimer::cancel(Id id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = due_.find(id);
    if (found == due_.end()) return false;
    waiting_.erase(std::make_pair(found->second, id));
    due_.erase(found);
    return true;
}

void DeadlineTimer::serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (waiting_.empty()) {
            wakeAt_ = Clock::time_point::max();
            changed_.wait(lock);
            continue;
        }
        const auto first = waiting_.begin();
        if (first->first.first > Clock::now()) {
            wakeAt_ = first->first.first;
            changed_.wait_until(lock, wakeAt_);
            continue;
        }
        auto fn = std::move(first->second);
        due_.erase(first->first.second);
        waiting_.erase(first);
        wakeAt_ = Clock::time_point::min();  // busy: a new deadline need not wake the thread
        lock.unlock();
        fn();
        fn = nullptr;  // what it holds goes before the lock is taken again
        lock.lock();
    }
}

}  // namespace belfry
