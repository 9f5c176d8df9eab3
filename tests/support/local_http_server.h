// Test support: a real HTTP or HTTPS server on 127.0.0.1 and an ephemeral port, answering every
// request with a function of the test's; and throwaway certificates for it, made with the
// `openssl` CLI (a private CA, a server certificate for 127.0.0.1/localhost signed by it, and one
// for another host name).
// Thread-safety: the handler runs on the server's threads; the rest from the test's thread.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace belfry::test {

struct TestCertificates {
    std::string caFile;      // PEM, the private CA
    std::string serverCert;  // for IP 127.0.0.1 and DNS localhost, signed by the CA
    std::string serverKey;
    std::string otherHostCert;  // for DNS elsewhere.invalid only, signed by the CA
    std::string otherHostKey;
};

// Writes the files into `dir` (which must exist); fails the test when openssl does.
TestCertificates makeTestCertificates(const std::string& dir);

class LocalHttpServer {
  public:
    using Handler =
        std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;
    struct Tls {
        std::string certFile;
        std::string keyFile;
    };

    explicit LocalHttpServer(Handler handler, std::optional<Tls> tls = std::nullopt);
    ~LocalHttpServer();  // stops accepting, waits for handlers to return
    LocalHttpServer(const LocalHttpServer&) = delete;
    LocalHttpServer& operator=(const LocalHttpServer&) = delete;

    int port() const { return port_; }
    std::string url(const std::string& path) const;  // http[s]://127.0.0.1:PORT/path

  private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
    bool tls_ = false;
    int port_ = 0;
};

}  // namespace belfry::test
