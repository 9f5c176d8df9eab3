// Runs a function every `interval` on a thread of its own, until stop(): belfryd's daily
// reconcile, which re-translates systemd units well before their translation's validUntil.
// The first run comes one interval after start(); a run in progress finishes before stop()
// returns.
//
// Thread-safety: start() and stop() from one owning thread; the task runs on the task's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace belfry {

class PeriodicTask {
  public:
    PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task);
    ~PeriodicTask();  // stops

    void start();
    void stop();

  private:
    std::chrono::milliseconds interval_;
    std::function<void()> task_;
    std::mutex mutex_;
    std::condition_variable stopRequested_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace belfry
