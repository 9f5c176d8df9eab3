#include "periodic_task.h"

namespace belfry {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)) {}

PeriodicTask::~PeriodicTask() {
    stop();
}

void PeriodicTask::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> guard(mutex_);
        // steady_clock: a wall-clock step neither skips nor doubles a run.
        auto next = std::chrono::steady_clock::now() + interval_;
        while (!stopRequested_.wait_until(guard, next, [this] { return stopping_; })) {
            guard.unlock();
            task_();
            guard.lock();
            next = std::chrono::steady_clock::now() + interval_;
        }
    });
}

void PeriodicTask::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    stopRequested_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace belfry
