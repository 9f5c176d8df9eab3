// HTTP jobs through a real belfryd against real local servers: what was sent (method, headers,
// body), 2xx, 500, connection refused, a timeout, https with the job's own CA file, and https to
// a server the system store does not trust. http_status is recorded whenever there was an answer.
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>

#include "fresh_temp_dir.h"
#include "local_http_server.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// Answers /ok with what it received, /boom with a 500, and holds /slow until released.
class Webhook {
  public:
    void handle(HTTPServerRequest& request, HTTPServerResponse& response) {
        if (request.getURI() == "/slow") {
            std::unique_lock<std::mutex> lock(mutex_);
            released_.wait_for(lock, 20s, [&] { return release_; });
            response.send() << "late";
            return;
        }
        if (request.getURI() == "/boom") {
            response.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
            response.send() << "database unavailable";
            return;
        }
        std::string body;
        Poco::StreamCopier::copyToString(request.stream(), body);
        response.send() << request.getMethod() << " " << request.get("X-Token", "-") << " " << body;
    }
    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        release_ = true;
        released_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable released_;
    bool release_ = false;
};

class HttpJobsTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    void TearDown() override { webhook_.release(); }

    Poco::JSON::Object::Ptr runJob(const std::string& name, const std::string& http,
                                   const std::string& extra = "") {
        daemon_.createJob(R"({"name": ")" + name + R"(", )" + extra + R"("http": )" + http + "}");
        return daemon_.waitForRunEnd(daemon_.runNow(name));
    }

    Webhook webhook_;
    LocalHttpServer server_{[this](HTTPServerRequest& request, HTTPServerResponse& response) {
        webhook_.handle(request, response);
    }};
    TestDaemon daemon_;
};

TEST_F(HttpJobsTest, A2xxAnswerSucceedsWithWhatWasSentAndTheStatusRecorded) {
    const auto run = runJob("hook", R"({"method": "PUT", "url": ")" + server_.url("/ok") +
                                        R"(", "headers": {"X-Token": "t0k"}, "body": "payload"})");
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_EQ(run->getValue<int>("http_status"), 200);
    EXPECT_EQ(run->getValue<std::string>("output"), "PUT t0k payload");
}

TEST_F(HttpJobsTest, A500FailsTheRunWithTheStatusAndBodyRecorded) {
    const auto run = runJob("boom", R"({"url": ")" + server_.url("/boom") + R"("})");
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    EXPECT_EQ(run->getValue<int>("http_status"), 500);
    EXPECT_EQ(run->getValue<std::string>("output"), "database unavailable");
    EXPECT_NE(run->getValue<std::string>("error").find("HTTP 500"), std::string::npos);
}

TEST_F(HttpJobsTest, ARefusedConnectionFailsWithoutAStatus) {
    // A port that was just free: bind, note, close.
    int port = 0;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = probe.address().port();
    }
    const auto run =
        runJob("refused", R"({"url": "http://127.0.0.1:)" + std::to_string(port) + R"(/"})");
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    EXPECT_TRUE(run->isNull("http_status") || !run->has("http_status"));
    EXPECT_NE(run->getValue<std::string>("error").find("refused"), std::string::npos)
        << run->getValue<std::string>("error");
}

TEST_F(HttpJobsTest, AServerSlowerThanTheTimeoutEndsTheRunTimedOut) {
    const auto started = std::chrono::steady_clock::now();
    const auto run =
        runJob("slow", R"({"url": ")" + server_.url("/slow") + R"("})", R"("timeout": "1s", )");
    EXPECT_EQ(run->getValue<std::string>("state"), "timed_out");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

class HttpsJobsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        certificates_ = makeTestCertificates(dir_);
        server_ = std::make_unique<LocalHttpServer>(
            [](HTTPServerRequest&, HTTPServerResponse& response) { response.send() << "secure"; },
            LocalHttpServer::Tls{certificates_.serverCert, certificates_.serverKey});
        daemon_.start();
    }
    void TearDown() override { Poco::File(dir_).remove(true); }

    std::string dir_ = freshTempDirectory();
    TestCertificates certificates_;
    std::unique_ptr<LocalHttpServer> server_;
    TestDaemon daemon_;
};

TEST_F(HttpsJobsTest, TheJobsCaFileMakesAPrivateCaTrusted) {
    daemon_.createJob(R"({"name": "tls", "http": {"method": "GET", "url": ")" + server_->url("/") +
                      R"(", "ca_file": ")" + certificates_.caFile + R"("}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("tls"));
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded")
        << run->getValue<std::string>("error");
    EXPECT_EQ(run->getValue<int>("http_status"), 200);
    EXPECT_EQ(run->getValue<std::string>("output"), "secure");
}

bool mapsLibrary(int pid, const std::string& name) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    for (std::string line; std::getline(maps, line);) {
        if (line.find(name) != std::string::npos) return true;
    }
    return false;
}

TEST_F(HttpsJobsTest, OpenSslIsLoadedOnlyOnceAnHttpsJobRuns) {
    // An installation without https jobs never pays OpenSSL's memory
    // (service/runner/tls_session.h).
    EXPECT_FALSE(mapsLibrary(daemon_.pid(), "libcrypto.so"));
    daemon_.createJob(R"({"name": "tls", "http": {"method": "GET", "url": ")" + server_->url("/") +
                      R"(", "ca_file": ")" + certificates_.caFile + R"("}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("tls"));
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded")
        << run->getValue<std::string>("error");
    EXPECT_TRUE(mapsLibrary(daemon_.pid(), "belfry-tls.so"));
    EXPECT_TRUE(mapsLibrary(daemon_.pid(), "libcrypto.so"));
}

TEST_F(HttpsJobsTest, AnUntrustedCertificateIsAFailedRunSayingSo) {
    daemon_.createJob(R"({"name": "untrusted", "http": {"method": "GET", "url": ")" +
                      server_->url("/") + R"("}})");
    const auto run = daemon_.waitForRunEnd(daemon_.runNow("untrusted"));
    EXPECT_EQ(run->getValue<std::string>("state"), "failed");
    const auto error = run->getValue<std::string>("error");
    EXPECT_NE(error.find("certificate was rejected"), std::string::npos) << error;
    EXPECT_NE(error.find("system CA store"), std::string::npos) << error;
}

TEST_F(HttpsJobsTest, ARelativeCaFileOrOneOnPlainHttpIsRefused) {
    EXPECT_EQ(
        daemon_
            .request("POST", "/v1/jobs",
                     R"({"name": "a", "http": {"url": "https://x.test/", "ca_file": "ca.pem"}})")
            .status,
        400);
    EXPECT_EQ(
        daemon_
            .request("POST", "/v1/jobs",
                     R"({"name": "b", "http": {"url": "http://x.test/", "ca_file": "/ca.pem"}})")
            .status,
        400);
}

}  // namespace
}  // namespace belfry::test
