#include "tls_socket.h"

#include <Poco/Exception.h>

namespace belfry {

TlsSocketImpl::TlsSocketImpl(const CancelSource& cancel, Deadline deadline, TlsOptions options)
    : CancellableSocketImpl(cancel, deadline), options_(std::move(options)) {}

TlsSocketImpl::~TlsSocketImpl() = default;

int TlsSocketImpl::send(const char* data, int length) {
    try {
        return CancellableSocketImpl::sendBytes(data, length);
    } catch (...) {
        pending_ = std::current_exception();
        return -1;
    }
}

int TlsSocketImpl::receive(char* data, int length) {
    try {
        return CancellableSocketImpl::receiveBytes(data, length);
    } catch (...) {
        pending_ = std::current_exception();
        return -1;
    }
}

void TlsSocketImpl::rethrowPending() {
    if (pending_) {
        auto pending = pending_;
        pending_ = nullptr;
        std::rethrow_exception(pending);
    }
}

void TlsSocketImpl::connect(const Poco::Net::SocketAddress& address) {
    CancellableSocketImpl::connect(address);
    session_ = newTlsSession(*this, options_);
    session_->handshake();
}

int TlsSocketImpl::sendBytes(const void* buffer, int length, int) {
    if (!session_) throw Poco::IllegalStateException("TLS: not connected");
    return session_->write(buffer, length);
}

int TlsSocketImpl::receiveBytes(void* buffer, int length, int) {
    if (!session_) throw Poco::IllegalStateException("TLS: not connected");
    return session_->read(buffer, length);
}

}  // namespace belfry
