#include "cancellable_socket.h"

#include <Poco/Exception.h>

namespace belfry {

using Poco::Net::SocketAddress;
using Poco::Net::SocketImpl;

CancellableSocketImpl::CancellableSocketImpl(const CancelSource& cancel, Deadline deadline)
    : cancel_(cancel), deadline_(deadline) {}

void CancellableSocketImpl::connect(const SocketAddress& address) {
    connectNB(address);  // throws at once for errors the OS reports synchronously
    waitOrThrow(SELECT_WRITE);
    if (const int err = socketError(); err != 0) error(err, address.toString());
}

void CancellableSocketImpl::connect(const SocketAddress& address, const Poco::Timespan&) {
    connect(address);
}

int CancellableSocketImpl::sendBytes(const void* buffer, int length, int flags) {
    const char* data = static_cast<const char*>(buffer);
    int sent = 0;
    while (sent < length) {
        waitOrThrow(SELECT_WRITE);
        // Non-blocking, so this returns what fits now, or -1 when (spuriously) nothing does.
        const int n = SocketImpl::sendBytes(data + sent, length - sent, flags | sendFlags());
        if (n > 0) sent += n;
    }
    return sent;
}

int CancellableSocketImpl::receiveBytes(void* buffer, int length, int flags) {
    for (;;) {
        waitOrThrow(SELECT_READ);
        const int n = SocketImpl::receiveBytes(buffer, length, flags);
        if (n >= 0) return n;  // -1: woken spuriously, nothing to read after all
    }
}

void CancellableSocketImpl::waitOrThrow(int selectMode) {
    // The session may have switched the socket back to blocking; the waits below are what
    // blocks now, and a blocking send could stall on a partial write.
    if (getBlocking()) setBlocking(false);
    switch (waitUntilReady(selectMode)) {
        case Wait::Ready:
            return;
        case Wait::Cancelled:
            throw Poco::IOException(kCancelledMessage);
        case Wait::TimedOut:
            throw Poco::TimeoutException("deadline passed");
    }
}

}  // namespace belfry
