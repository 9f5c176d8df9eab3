// A Poco stream socket for HTTP actions whose blocking calls (connect, send, receive) end as soon
// as the run is cancelled or its deadline passes. Internal to the runner library.
//
// Why a socket implementation rather than a watchdog: HTTPClientSession does all its I/O on the
// worker thread through SocketImpl's virtual connect/sendBytes/receiveBytes. The socket is put in
// non-blocking mode and each call first waits for readiness *together with* the CancelSource
// handle, so a cancel wakes the worker at once, with no second thread racing the session for the
// descriptor (shutting a socket down from another thread can hit a descriptor the session has
// already closed and the OS has reused) and no timer-driven polling of a flag.
//
// Thread-safety: like any Poco socket, one thread at a time. The CancelSource must outlive it.
#pragma once

#include <Poco/Net/StreamSocketImpl.h>

#include <chrono>
#include <optional>

#include "cancel_source.h"

namespace belfry {

class CancellableSocketImpl : public Poco::Net::StreamSocketImpl {
  public:
    using Deadline = std::optional<std::chrono::steady_clock::time_point>;

    CancellableSocketImpl(const CancelSource& cancel, Deadline deadline);

    using StreamSocketImpl::connect;
    using StreamSocketImpl::receiveBytes;
    using StreamSocketImpl::sendBytes;

    // Both ignore Poco's own connect timeout: the run's deadline is the only limit.
    void connect(const Poco::Net::SocketAddress& address) override;
    void connect(const Poco::Net::SocketAddress& address, const Poco::Timespan& timeout) override;
    // Sends everything, or throws.
    int sendBytes(const void* buffer, int length, int flags = 0) override;
    // Returns at least one byte, or 0 at EOF, or throws.
    int receiveBytes(void* buffer, int length, int flags = 0) override;

    // Poco::IOException with this text when the CancelSource fired; Poco::TimeoutException when
    // the deadline passed.
    static constexpr const char* kCancelledMessage = "cancelled";

  protected:
    ~CancellableSocketImpl() override = default;
    void init(int af) override;  // marks the new descriptor close-on-exec

  private:
    enum class Wait { Ready, Cancelled, TimedOut };
    Wait waitUntilReady(int selectMode);  // platform part: socket plus cancel handle
    void waitOrThrow(int selectMode);
    static int sendFlags();  // platform part: e.g. no SIGPIPE for a peer that went away

    const CancelSource& cancel_;
    const Deadline deadline_;
};

}  // namespace belfry
