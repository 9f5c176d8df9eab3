// A TLS client socket for https:// actions: a TlsSession (tls_session.h) on top of
// CancellableSocketImpl, so the handshake, every send and every receive wait on the run's
// CancelSource and deadline exactly as plain http does. Internal to the runner library.
//
// Why not Poco's SecureStreamSocket: Poco's NetSSL hands the descriptor to OpenSSL, which then
// reads and writes it directly, around any SocketImpl we could supply; a stalled TLS server could
// neither be cancelled nor cut off by the run's timeout. Here OpenSSL talks to the network only
// through this socket's own I/O.
//
// Thread-safety: one thread at a time, like any socket. The CancelSource must outlive it.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "cancellable_socket.h"
#include "tls_session.h"

namespace belfry {

class TlsSocketImpl : public CancellableSocketImpl, private TlsTransport {
  public:
    TlsSocketImpl(const CancelSource& cancel, Deadline deadline, TlsOptions options);

    using CancellableSocketImpl::connect;
    // TCP connect, then the TLS handshake and verification. A certificate problem is a
    // Poco::IOException whose message starts "TLS: " and names the cause.
    void connect(const Poco::Net::SocketAddress& address) override;
    int sendBytes(const void* buffer, int length, int flags = 0) override;
    // At least one byte, or 0 at the end of the stream (with or without close_notify).
    int receiveBytes(void* buffer, int length, int flags = 0) override;

  protected:
    ~TlsSocketImpl() override;

  private:
    // TlsTransport: the cancellable socket's own I/O. An exception is kept and rethrown after
    // OpenSSL returns, so it never unwinds through C code.
    int send(const char* data, int length) override;
    int receive(char* data, int length) override;
    void rethrowPending() override;

    TlsOptions options_;
    std::unique_ptr<TlsSession> session_;
    std::exception_ptr pending_;
};

}  // namespace belfry
