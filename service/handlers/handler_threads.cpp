#include "handler_threads.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>

namespace belfry {
namespace {

class HandlerThreads {
  public:
    void run(std::function<void()> task) {
        std::unique_lock<std::mutex> lock(mutex_);
        tasks_.push_back(std::move(task));
        // Every idle thread takes one task; more tasks than idle threads need a new thread.
        if (idle_ >= tasks_.size()) {
            lock.unlock();
            wake_.notify_one();
            return;
        }
        lock.unlock();
        try {
            std::thread([this] { serve(); }).detach();
        } catch (...) {
            lock.lock();
            tasks_.pop_back();
            throw;
        }
    }

  private:
    static constexpr std::size_t kMaxIdle = 32;
    static constexpr std::chrono::seconds kIdleLife{60};

    void serve() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            if (tasks_.empty()) {
                if (idle_ >= kMaxIdle) return;
                ++idle_;
                const bool woken = wake_.wait_for(lock, kIdleLife, [&] { return !tasks_.empty(); });
                --idle_;
                if (!woken) return;
            }
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();  // never throws: runHandler's tasks catch everything
            task = nullptr;
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    std::size_t idle_ = 0;
};

}  // namespace

void runOnHandlerThread(std::function<void()> task) {
    static HandlerThreads* const threads = new HandlerThreads;  // never destroyed (see header)
    threads->run(std::move(task));
}

}  // namespace belfry
