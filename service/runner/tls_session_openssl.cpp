// belfry-tls.so: TlsSession on OpenSSL (see tls_session.h for why this is a module). OpenSSL
// talks to the network only through a BIO whose read and write are the TlsTransport's, i.e. the
// run's cancellable socket.
//
// Verification: the server's chain must lead to a trusted CA — the system store (OpenSSL's
// default paths, i.e. /etc/ssl/certs from ca-certificates) or, when given, only the CA file — and
// its certificate must name the host (DNS name or IP address) of the URL. TLS 1.2 or newer.
#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "tls_session.h"

namespace belfry {
namespace {

using ContextPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

TlsTransport* transportOf(BIO* bio) {
    return static_cast<TlsTransport*>(BIO_get_data(bio));
}

int bioWrite(BIO* bio, const char* data, int length) {
    BIO_clear_retry_flags(bio);
    return transportOf(bio)->send(data, length);
}

int bioRead(BIO* bio, char* data, int length) {
    BIO_clear_retry_flags(bio);
    return transportOf(bio)->receive(data, length);
}

long bioControl(BIO*, int command, long, void*) {
    // Writes go straight to the socket, so there is never anything to flush.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bioCreate(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* transportBioMethod() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "belfry cancellable socket");
        BIO_meth_set_write(m, bioWrite);
        BIO_meth_set_read(m, bioRead);
        BIO_meth_set_ctrl(m, bioControl);
        BIO_meth_set_create(m, bioCreate);
        return m;
    }();
    return method;
}

std::string openSslErrors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text += (text.empty() ? "" : "; ") + std::string(buffer);
    }
    return text;
}

ContextPtr newContext(const std::string& caFile) {
    ERR_clear_error();  // leave out whatever an earlier TLS user on this thread left behind
    if (!caFile.empty()) {
        if (FILE* file = std::fopen(caFile.c_str(), "r")) {
            std::fclose(file);
        } else {
            throw Poco::IOException("TLS: cannot read CA file " + caFile + ": " +
                                    std::strerror(errno));
        }
    }
    ContextPtr context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!context) throw Poco::IOException("TLS: cannot create a context: " + openSslErrors());
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    // A server that closes without close_notify is common and harmless for HTTP, whose framing
    // (Content-Length, chunks) tells a cut-off body apart: read it as the end of the stream.
    SSL_CTX_set_options(context.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    const int loaded = caFile.empty()
                           ? SSL_CTX_set_default_verify_paths(context.get())
                           : SSL_CTX_load_verify_locations(context.get(), caFile.c_str(), nullptr);
    if (loaded != 1) {
        throw Poco::IOException("TLS: cannot load " +
                                (caFile.empty() ? "the system CA store" : "CA file " + caFile) +
                                ": " + openSslErrors());
    }
    return context;
}

// Loading the system store parses a few hundred certificates: done once, then shared (an SSL_CTX
// is safe to use from many threads once set up). A CA file is read per run, so a renewed file
// takes effect without a restart.
SSL_CTX* systemContext() {
    static ContextPtr context = newContext("");
    return context.get();
}

class OpenSslSession final : public TlsSession {
  public:
    OpenSslSession(TlsTransport& transport, TlsOptions options)
        : transport_(transport), options_(std::move(options)) {}
    ~OpenSslSession() override {
        if (ssl_ != nullptr) SSL_free(ssl_);
    }

    void handshake() override {
        ContextPtr ownContext(nullptr, SSL_CTX_free);
        SSL_CTX* context = nullptr;
        if (options_.caFile.empty()) {
            context = systemContext();
        } else {
            ownContext = newContext(options_.caFile);
            context = ownContext.get();
        }
        ssl_ = SSL_new(context);
        if (ssl_ == nullptr)
            throw Poco::IOException("TLS: cannot start a session: " + openSslErrors());
        BIO* bio = BIO_new(transportBioMethod());
        if (bio == nullptr) throw Poco::IOException("TLS: cannot create a BIO: " + openSslErrors());
        BIO_set_data(bio, &transport_);
        SSL_set_bio(ssl_, bio, bio);  // the session owns it from here

        Poco::Net::IPAddress ip;
        if (Poco::Net::IPAddress::tryParse(options_.host, ip)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), options_.host.c_str());
        } else {
            SSL_set_tlsext_host_name(ssl_, options_.host.c_str());
            SSL_set1_host(ssl_, options_.host.c_str());
        }
        ERR_clear_error();
        if (const int rc = SSL_connect(ssl_); rc != 1) fail("handshake with " + options_.host, rc);
    }

    int write(const void* buffer, int length) override {
        ERR_clear_error();
        const int rc = SSL_write(ssl_, buffer, length);
        if (rc <= 0) fail("sending", rc);
        return rc;
    }

    int read(void* buffer, int length) override {
        ERR_clear_error();
        const int rc = SSL_read(ssl_, buffer, length);
        if (rc > 0) return rc;
        transport_.rethrowPending();
        if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) return 0;
        fail("receiving", rc);
    }

  private:
    [[noreturn]] void fail(const std::string& operation, int rc) {
        transport_.rethrowPending();  // cancelled, timed out or a socket error: the real cause
        const int code = SSL_get_error(ssl_, rc);
        const long verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK) {
            throw Poco::IOException("TLS: the server's certificate was rejected: " +
                                    std::string(X509_verify_cert_error_string(verify)) +
                                    (options_.caFile.empty()
                                         ? " (checked against the system CA store; set ca_file "
                                           "for a private CA)"
                                         : " (checked against " + options_.caFile + ")"));
        }
        const std::string errors = openSslErrors();
        throw Poco::IOException(
            "TLS: " + operation + " failed" +
            (errors.empty() ? " (SSL error " + std::to_string(code) + ")" : ": " + errors));
    }

    TlsTransport& transport_;
    const TlsOptions options_;
    SSL* ssl_ = nullptr;
};

}  // namespace
}  // namespace belfry

extern "C" __attribute__((visibility("default"))) belfry::TlsSession* belfry_new_tls_session(
    belfry::TlsTransport& transport, const belfry::TlsOptions& options) {
    return new belfry::OpenSslSession(transport, options);
}
