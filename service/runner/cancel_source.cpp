#include "cancel_source.h"

#include <algorithm>
#include <condition_variable>

namespace belfry {

std::string_view toString(CancelReason reason) {
    switch (reason) {
        case CancelReason::None:
            return "none";
        case CancelReason::Cancelled:
            return "cancelled";
        case CancelReason::Shutdown:
            return "shutdown";
        case CancelReason::Replaced:
            return "replaced";
    }
    return "unknown";
}

CancelSource::~CancelSource() {
    if (handle_) closeHandle(*handle_);
}

void CancelSource::cancel(CancelReason reason) {
    if (reason == CancelReason::None) return;
    CancelReason expected = CancelReason::None;
    // The reason is published before anyone is woken, so a waiter always reads the reason that
    // woke it.
    if (!reason_.compare_exchange_strong(expected, reason, std::memory_order_acq_rel)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (handle_) makeReady(*handle_);
    for (auto* listener : listeners_) listener->sourceCancelled();
}

CancelSource::NativeHandle CancelSource::nativeHandle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    // Made under the lock that cancel() takes before making it ready: either cancel() finds it
    // and makes it ready, or it is made after the flag was set and is ready from the start.
    if (!handle_) handle_ = makeHandle(cancelled());
    return *handle_;
}

void CancelSource::addListener(Listener* listener) const {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.push_back(listener);
}

void CancelSource::removeListener(Listener* listener) const {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

namespace {

// A thread waiting for a source, woken by its cancel().
class Waiter final : public CancelSource::Listener {
  public:
    void sourceCancelled() override {
        // Taking the mutex orders this wake after the waiter's last look at the flags.
        { const std::lock_guard<std::mutex> waiting(mutex_); }
        wake_.notify_all();
    }

    // Waits until `done()` or the deadline; the waiter is registered with the source that can
    // make done() true.
    template <typename Done>
    void waitUntil(std::chrono::steady_clock::time_point deadline, Done done) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_until(lock, deadline, done);
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
};

}  // namespace

bool CancelSource::waitFor(std::chrono::milliseconds timeout) const {
    if (cancelled()) return true;
    Waiter waiter;
    addListener(&waiter);
    waiter.waitUntil(std::chrono::steady_clock::now() + timeout, [&] { return cancelled(); });
    removeListener(&waiter);
    return cancelled();
}

}  // namespace belfry
