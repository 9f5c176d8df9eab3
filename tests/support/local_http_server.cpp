#include "local_http_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <gtest/gtest.h>

#include <fstream>

#include "test_daemon.h"

namespace belfry::test {
namespace {

class FunctionHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit FunctionHandler(const LocalHttpServer::Handler& handler) : handler_(handler) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        handler_(request, response);
    }

  private:
    const LocalHttpServer::Handler& handler_;
};

class FunctionFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit FunctionFactory(LocalHttpServer::Handler handler) : handler_(std::move(handler)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new FunctionHandler(handler_);
    }

  private:
    LocalHttpServer::Handler handler_;
};

void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = runCommand(argv);
    ASSERT_EQ(result.exitCode, 0) << "openssl " << args.front() << ":\n" << result.err;
}

// A key and a certificate for `names` (subjectAltName syntax), signed by the CA in `dir`.
void signedCertificate(const std::string& dir, const std::string& stem, const std::string& names) {
    const auto ext = dir + "/" + stem + ".ext";
    std::ofstream(ext) << "subjectAltName=" << names << "\nbasicConstraints=CA:FALSE\n";
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", dir + "/" + stem + ".key", "-out", dir + "/" + stem + ".csr", "-subj",
             "/CN=" + stem});
    openssl({"x509", "-req", "-in", dir + "/" + stem + ".csr", "-CA", dir + "/ca.pem", "-CAkey",
             dir + "/ca.key", "-CAcreateserial", "-days", "2", "-out", dir + "/" + stem + ".pem",
             "-extfile", ext});
}

}  // namespace

TestCertificates makeTestCertificates(const std::string& dir) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2", "-subj",
             "/CN=Belfry Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    signedCertificate(dir, "server", "IP:127.0.0.1,DNS:localhost");
    signedCertificate(dir, "elsewhere", "DNS:elsewhere.invalid");
    return {dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/elsewhere.pem",
            dir + "/elsewhere.key"};
}

struct LocalHttpServer::Parts {
    Poco::ThreadPool pool{1, 8};
    std::unique_ptr<Poco::Net::HTTPServer> server;
};

LocalHttpServer::LocalHttpServer(Handler handler, std::optional<Tls> tls)
    : parts_(std::make_unique<Parts>()), tls_(tls.has_value()) {
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    params->setKeepAlive(false);
    params->setMaxThreads(8);
    const Poco::Net::SocketAddress loopback("127.0.0.1", 0);
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (tls) {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::SERVER_USE, tls->keyFile, tls->certFile, "",
                                   Poco::Net::Context::VERIFY_NONE);
        socket = std::make_unique<Poco::Net::SecureServerSocket>(loopback, 64, context);
    } else {
        socket = std::make_unique<Poco::Net::ServerSocket>(loopback);
    }
    port_ = socket->address().port();
    parts_->server = std::make_unique<Poco::Net::HTTPServer>(
        new FunctionFactory(std::move(handler)), parts_->pool, *socket, params);
    parts_->server->start();
}

LocalHttpServer::~LocalHttpServer() {
    parts_->server->stopAll(true);
    parts_->pool.joinAll();
}

std::string LocalHttpServer::url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace belfry::test
