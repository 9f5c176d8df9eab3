// The TLS engine behind TlsSocketImpl (tls_socket.h), built as a module of its own,
// belfry-tls.so, which belfryd loads the first time a job calls an https:// URL.
//
// Why a module: OpenSSL's libssl and libcrypto cost belfryd about 1.7 MiB of resident memory
// from the moment they are mapped, and most installations never run an https job. Loaded on
// demand, they cost nothing until then (and stay loaded after). The interface between the two
// is only virtual calls on the classes below, so the module needs no symbol of the executable.
//
// Where the module is looked for: <executable dir>/../lib/belfry/belfry-tls.so (the installed
// layout, /usr/bin -> /usr/lib/belfry; the build tree puts its executables in bin/ and the module
// in lib/belfry/ for the same reason), then beside the executable.
#pragma once

#include <memory>
#include <string>

namespace belfry {

struct TlsOptions {
    std::string host;    // as in the URL: checked against the certificate, sent as SNI
    std::string caFile;  // "": the system CA store
};

// What a session reads and writes through: the cancellable socket's own I/O. send/receive return
// -1 after keeping the exception that stopped them (cancelled, timed out, a socket error);
// rethrowPending throws it, so that cause is reported rather than OpenSSL's view of it.
class TlsTransport {
  public:
    virtual int send(const char* data, int length) = 0;
    virtual int receive(char* data, int length) = 0;
    virtual void rethrowPending() = 0;

  protected:
    ~TlsTransport() = default;
};

// One client session. Errors are Poco::IOException with a message starting "TLS: ".
class TlsSession {
  public:
    virtual ~TlsSession() = default;
    // The handshake, with verification of the chain and the host name.
    virtual void handshake() = 0;
    // At least one byte.
    virtual int write(const void* buffer, int length) = 0;
    // At least one byte, or 0 at the end of the stream (with or without close_notify).
    virtual int read(void* buffer, int length) = 0;
};

// A session over `transport`, loading the module on first use. Throws Poco::IOException when
// the module cannot be loaded (the message says where it was looked for).
std::unique_ptr<TlsSession> newTlsSession(TlsTransport& transport, const TlsOptions& options);

// The module's one entry point (extern "C", so that its name is not mangled).
using NewTlsSessionFunction = TlsSession* (*)(TlsTransport& transport, const TlsOptions& options);
constexpr const char* kNewTlsSessionSymbol = "belfry_new_tls_session";
constexpr const char* kTlsModuleName = "belfry-tls.so";

}  // namespace belfry
