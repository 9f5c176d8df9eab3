#include "due_runs.h"

#include <algorithm>
#include <vector>

#include "timestamps.h"

namespace belfry {

DueRuns::DueRuns(Submit submit) : submit_(std::move(submit)) {}

DueRuns::~DueRuns() {
    stop();
}

void DueRuns::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!timer_.joinable() && !stopping_) timer_ = std::thread([this] { loop(); });
}

void DueRuns::add(RunId id, EpochMillis due) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        if (due > nowMillis()) {
            pending_.emplace(due, id);
            changed_.notify_all();
            return;
        }
    }
    submit_(id);
}

void DueRuns::stop() {
    std::thread timer;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        timer.swap(timer_);
    }
    changed_.notify_all();
    if (timer.joinable()) timer.join();
}

std::size_t DueRuns::pendingCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_.size();
}

void DueRuns::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        std::vector<RunId> due;
        const auto now = nowMillis();
        while (!pending_.empty() && pending_.begin()->first <= now) {
            due.push_back(pending_.begin()->second);
            pending_.erase(pending_.begin());
        }
        if (!due.empty()) {
            lock.unlock();
            for (const auto id : due) submit_(id);
            lock.lock();
            continue;
        }
        auto sleep = std::chrono::milliseconds(kMaxSleep);
        if (!pending_.empty())
            sleep = std::min(sleep, std::chrono::milliseconds(pending_.begin()->first - now));
        changed_.wait_for(lock, sleep);
    }
}

}  // namespace belfry
