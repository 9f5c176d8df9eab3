// A one-shot cancellation flag for one running action. The worker pool owns one CancelSource per
// run; any other thread (a REST cancel, shutdown, a replacing run) calls cancel() and whoever
// waits for it wakes at once, nobody polling a flag on a timer: threads wait in waitFor(), and a
// runner that must wait on OS objects too (a process, a socket) polls nativeHandle() with them.
//
// The OS object is made on the first nativeHandle() call, not before: most runs end without
// anyone cancelling them, and an in-process handler never needs it, so a run that does not poll
// costs no descriptor and no system call.
//
// Thread-safety: every member is safe to call from any thread at any time, concurrently.
// A source cannot be reset; make a new one per run.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

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

    CancelSource() = default;
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

    // Blocks until cancel() is called or `timeout` has passed; returns cancelled().
    bool waitFor(std::chrono::milliseconds timeout) const;

    // For waiting together with other OS objects: ready once cancel() has been called. Made on
    // the first call (ready at once if the source is already cancelled) and owned by the source:
    // never close or read it. Throws std::system_error when it cannot be made (descriptor
    // exhaustion), so a runner asks for it before it starts anything it would then have to watch.
    NativeHandle nativeHandle() const;

    // Something to tell when the source is cancelled. Its sourceCancelled() runs once, on the
    // cancelling thread and under the source's lock: it must be short and must not call back
    // into the source.
    class Listener {
      public:
        virtual void sourceCancelled() = 0;

      protected:
        ~Listener() = default;
    };
    // Registers `listener` until removeListener() (which must come before the listener is
    // destroyed). A source already cancelled does not call it: check cancelled() after adding.
    void addListener(Listener* listener) const;
    void removeListener(Listener* listener) const;

  private:
    // Platform part: makes the OS object, ready if `ready`; makes it ready; closes it.
    static NativeHandle makeHandle(bool ready);
    static void makeReady(NativeHandle handle);
    static void closeHandle(NativeHandle handle);

    std::atomic<CancelReason> reason_{CancelReason::None};
    mutable std::mutex mutex_;
    mutable std::optional<NativeHandle> handle_;  // guarded by mutex_
    mutable std::vector<Listener*> listeners_;    // guarded by mutex_
};

}  // namespace belfry
