#include "cancel_source.h"

#include <algorithm>

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
    for (auto* waiter : waiters_) {
        // Taking the waiter's mutex orders this wake after its last look at the flag.
        { const std::lock_guard<std::mutex> waiting(waiter->mutex); }
        waiter->wake.notify_all();
    }
}

CancelSource::NativeHandle CancelSource::nativeHandle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    // Made under the lock that cancel() takes before making it ready: either cancel() finds it
    // and makes it ready, or it is made after the flag was set and is ready from the start.
    if (!handle_) handle_ = makeHandle(cancelled());
    return *handle_;
}

void CancelSource::addWaiter(Waiter* waiter) const {
    std::lock_guard<std::mutex> lock(mutex_);
    waiters_.push_back(waiter);
}

void CancelSource::removeWaiter(Waiter* waiter) const {
    std::lock_guard<std::mutex> lock(mutex_);
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
}

namespace {

// Waits on `waiter` until `done()` or the deadline; the waiter is registered with every source
// that can make done() true.
template <typename Waiter, typename Done>
void waitUntil(Waiter& waiter, std::chrono::steady_clock::time_point deadline, Done done) {
    std::unique_lock<std::mutex> lock(waiter.mutex);
    if (deadline == std::chrono::steady_clock::time_point::max()) {
        waiter.wake.wait(lock, done);
    } else {
        waiter.wake.wait_until(lock, deadline, done);
    }
}

}  // namespace

bool CancelSource::waitFor(std::chrono::milliseconds timeout) const {
    if (cancelled()) return true;
    Waiter waiter;
    addWaiter(&waiter);
    waitUntil(waiter, std::chrono::steady_clock::now() + timeout, [&] { return cancelled(); });
    removeWaiter(&waiter);
    return cancelled();
}

FirstSignal waitForEither(const CancelSource& first, const CancelSource& second,
                          std::chrono::steady_clock::time_point deadline) {
    if (!first.cancelled() && !second.cancelled()) {
        CancelSource::Waiter waiter;
        first.addWaiter(&waiter);
        second.addWaiter(&waiter);
        waitUntil(waiter, deadline, [&] { return first.cancelled() || second.cancelled(); });
        first.removeWaiter(&waiter);
        second.removeWaiter(&waiter);
    }
    if (first.cancelled()) return FirstSignal::First;
    if (second.cancelled()) return FirstSignal::Second;
    return FirstSignal::Deadline;
}

}  // namespace belfry
