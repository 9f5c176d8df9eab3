// https:// actions against a real local TLS server (Poco NetSSL) with certificates made at test
// time: a CA the job trusts, the system store that does not know it, a certificate for another
// host, and a TLS server that stalls — the deadline and cancel still apply.
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <thread>

#include "../support/fresh_temp_dir.h"
#include "http_action.h"
#include "local_http_server.h"

namespace belfry {
namespace {

using namespace std::chrono_literals;
using test::LocalHttpServer;

class HttpsAction : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new std::string(test::freshTempDirectory());
        certificates_ = new test::TestCertificates(test::makeTestCertificates(*dir_));
    }
    static void TearDownTestSuite() {
        Poco::File(*dir_).remove(true);
        delete certificates_;
        delete dir_;
    }

    static LocalHttpServer::Tls serverTls() {
        return {certificates_->serverCert, certificates_->serverKey};
    }
    static HttpSpec request(const std::string& url) {
        HttpSpec spec;
        spec.method = "POST";
        spec.url = url;
        spec.body = "ping";
        spec.caFile = certificates_->caFile;
        spec.timeout = 30s;
        return spec;
    }
    static ActionOutcome call(const HttpSpec& spec) {
        CancelSource cancel;
        return runHttp(spec, cancel);
    }

    static std::string* dir_;
    static test::TestCertificates* certificates_;
};

std::string* HttpsAction::dir_ = nullptr;
test::TestCertificates* HttpsAction::certificates_ = nullptr;

void echo(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    response.setStatus(request.getURI() == "/fail"
                           ? Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR
                           : Poco::Net::HTTPResponse::HTTP_OK);
    response.send() << "tls says " << body << " via " << request.get("X-Hook", "-");
}

TEST_F(HttpsAction, ATrustedServerAnswersOverTls) {
    LocalHttpServer server(echo, serverTls());
    auto spec = request(server.url("/hook"));
    spec.headers["X-Hook"] = "nightly";
    const auto outcome = call(spec);
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_TRUE(outcome.succeeded());
    EXPECT_EQ(outcome.httpStatus, 200);
    EXPECT_EQ(outcome.output, "tls says ping via nightly");
    const auto failed = call(request(server.url("/fail")));
    EXPECT_EQ(failed.httpStatus, 500);
    EXPECT_FALSE(failed.succeeded());
}

TEST_F(HttpsAction, ACertificateFromAnUnknownCaFailsTheRunWithACertificateError) {
    LocalHttpServer server(echo, serverTls());
    auto spec = request(server.url("/hook"));
    spec.caFile = "";  // the system store, which has never heard of the test CA
    const auto outcome = call(spec);
    EXPECT_EQ(outcome.ending, Ending::RequestFailed);
    EXPECT_EQ(outcome.httpStatus, 0);
    EXPECT_NE(
        outcome.error.find(
            "TLS: the server's certificate was rejected: unable to get local issuer certificate"),
        std::string::npos)
        << outcome.error;
    EXPECT_NE(outcome.error.find("https://127.0.0.1:"), std::string::npos) << outcome.error;
}

TEST_F(HttpsAction, ACertificateForAnotherHostIsRefused) {
    LocalHttpServer server(
        echo, LocalHttpServer::Tls{certificates_->otherHostCert, certificates_->otherHostKey});
    const auto outcome = call(request(server.url("/hook")));
    EXPECT_EQ(outcome.ending, Ending::RequestFailed);
    EXPECT_NE(outcome.error.find("IP address mismatch"), std::string::npos) << outcome.error;
}

TEST_F(HttpsAction, AMissingCaFileIsAClearError) {
    LocalHttpServer server(echo, serverTls());
    auto spec = request(server.url("/hook"));
    spec.caFile = *dir_ + "/no-such-ca.pem";
    const auto outcome = call(spec);
    EXPECT_EQ(outcome.ending, Ending::RequestFailed);
    EXPECT_NE(outcome.error.find("cannot read CA file " + spec.caFile + ": No such file"),
              std::string::npos)
        << outcome.error;
}

TEST_F(HttpsAction, AServerThatNeverCompletesTheHandshakeTimesOut) {
    // Accepts the TCP connection (the kernel does, into the backlog) and never speaks TLS.
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    auto spec = request("https://127.0.0.1:" + std::to_string(silent.address().port()) + "/");
    spec.timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = call(spec);
    EXPECT_EQ(outcome.ending, Ending::TimedOut) << outcome.error;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);

    spec.timeout = 30s;
    CancelSource cancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(100ms);
        cancel.cancel(CancelReason::Cancelled);
    });
    const auto cancelled = runHttp(spec, cancel);
    canceller.join();
    EXPECT_EQ(cancelled.ending, Ending::Cancelled) << cancelled.error;
}

}  // namespace
}  // namespace belfry
