// A TLS client socket for https:// actions: OpenSSL on top of CancellableSocketImpl, so the
// handshake, every send and every receive wait on the run's CancelSource and deadline exactly as
// plain http does. Internal to the runner library.
//
// Why not Poco's SecureStreamSocket: Poco's NetSSL hands the descriptor to OpenSSL, which then
// reads and writes it directly, around any SocketImpl we could supply; a stalled TLS server could
// neither be cancelled nor cut off by the run's timeout. Here OpenSSL talks to the network only
// through a BIO whose read and write are the cancellable socket's own.
//
// Verification: the server's chain must lead to a trusted CA — the system store (OpenSSL's
// default paths, i.e. /etc/ssl/certs from ca-certificates) or, when given, only the CA file — and
// its certificate must name the host (DNS name or IP address) of the URL. TLS 1.2 or newer.
//
// Thread-safety: one thread at a time, like any socket. The CancelSource must outlive it.
#pragma once

#include <exception>
#include <string>

#include "cancellable_socket.h"

typedef struct ssl_st SSL;

namespace belfry {

struct TlsOptions {
    std::string host;    // as in the URL: checked against the certificate, sent as SNI
    std::string caFile;  // "": the system CA store
};

class TlsSocketImpl : public CancellableSocketImpl {
  public:
    TlsSocketImpl(const CancelSource& cancel, Deadline deadline, TlsOptions options);

    using CancellableSocketImpl::connect;
    // TCP connect, then the TLS handshake and verification. A certificate problem is a
    // Poco::IOException whose message starts "TLS: " and names the cause.
    void connect(const Poco::Net::SocketAddress& address) override;
    int sendBytes(const void* buffer, int length, int flags = 0) override;
    // At least one byte, or 0 at the end of the stream (with or without close_notify).
    int receiveBytes(void* buffer, int length, int flags = 0) override;

    // For the BIO: the cancellable socket's own I/O. An exception is kept and rethrown after
    // OpenSSL returns, so it never unwinds through C code.
    int rawSend(const char* data, int length);
    int rawReceive(char* data, int length);

  protected:
    ~TlsSocketImpl() override;

  private:
    [[noreturn]] void fail(const std::string& operation, int rc);
    void rethrowPending();

    TlsOptions options_;
    SSL* ssl_ = nullptr;
    std::exception_ptr pending_;
};

}  // namespace belfry
