// A one-shot cancellation flag for one running action. The worker pool owns one CancelSource per
// run; any other thread (a REST cancel, shutdown, a replacing run) calls cancel() and the runner,
// blocked in its wait, wakes at once: the source is backed by an OS object the runner waits on
// together with its other events, so nobody polls a flag on a timer.
//
// Thread-safety: every member is safe to call from any thread at any time, concurrently.
// A source cannot be reset; make a new one per run.
#pragma once

#include <atomic>
#include <chrono>
#include <string_view>

namespace belfry {

enum class CancelReason {
    None,       // not cancelled
    Cancelled,  // an operator asked (REST cancel)
    Shutdown,   // the daemon is stopping
    Replaced,   // a newer run of the same job took over
};

// "none", "cancelled", "shutdown", "replaced": stable names for logs and the runs table.
std::string_view toString(CancelReason reason);

class CancelSource {
  public:
#ifdef _WIN32
    using NativeHandle = void*;  // a manual-reset event HANDLE, signalled by cancel()
#else
    using NativeHandle = int;  // an eventfd that turns readable on cancel() and stays readable
#endif

    // Throws std::system_error when the OS object cannot be created (descriptor exhaustion).
    CancelSource();
    ~CancelSource();
    CancelSource(const CancelSource&) = delete;
    CancelSource& operator=(const CancelSource&) = delete;

    // Requests cancellation. The first reason wins; later calls and CancelReason::None are no-ops.
    void cancel(CancelReason reason);

    CancelReason reason() const {
        return reason_.load(std::memory_order_acquire);
    }
    bool cancelled() const {
        return reason() != CancelReason::None;
    }

    // Blocks until cancel() is called or `timeout` has passed; returns cancelled(). For callers
    // that must pause cancellably (retry back-off); the runners wait on nativeHandle() instead.
    bool waitFor(std::chrono::milliseconds timeout) const;

    // For waiting together with other OS objects. Owned by the source: never close or read it.
    NativeHandle nativeHandle() const {
        return handle_;
    }

  private:
    void signal();  // platform part of cancel(): makes handle_ ready

    std::atomic<CancelReason> reason_{CancelReason::None};
    NativeHandle handle_;
};

}  // namespace belfry
