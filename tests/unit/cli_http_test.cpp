// The CLI's own HTTP/1.1 client against a scripted server: framing, keep-alive, failures.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>

#include <chrono>

#include "cli_test_server.h"
#include "http_client.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

using namespace std::chrono_literals;
using testing::CannedReply;
using testing::CliTestServer;
using testing::httpResponse;

HttpRequest get(const std::string& target) {
    HttpRequest request;
    request.target = target;
    request.timeout = 5s;
    return request;
}

TEST(CliHttpClient, ReadsContentLengthBodiesAndKeepsTheConnection) {
    CliTestServer server([](const testing::ReceivedRequest& request) {
        return CannedReply{httpResponse(200, "{\"path\":\"" + request.target + "\"}")};
    });
    HttpClient client("127.0.0.1", server.port());
    HttpResponse response;
    HttpError error;
    ASSERT_TRUE(client.send(get("/one"), &response, &error)) << error.message;
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "{\"path\":\"/one\"}");
    EXPECT_EQ(*response.header("content-type"), "application/json");
    ASSERT_TRUE(client.send(get("/two"), &response, &error)) << error.message;
    EXPECT_EQ(response.body, "{\"path\":\"/two\"}");
    EXPECT_EQ(client.connectionsOpened(), 1);
    EXPECT_EQ(server.connections(), 1);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].headers.at("host"), server.endpoint());
}

TEST(CliHttpClient, DecodesChunkedBodiesWithExtensionsAndTrailers) {
    CliTestServer server([](const testing::ReceivedRequest&) {
        return CannedReply{
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"};
    });
    HttpClient client("127.0.0.1", server.port());
    HttpResponse response;
    HttpError error;
    ASSERT_TRUE(client.send(get("/"), &response, &error)) << error.message;
    EXPECT_EQ(response.body, "hello 0123456789");
    ASSERT_TRUE(client.send(get("/"), &response, &error)) << error.message;
    EXPECT_EQ(client.connectionsOpened(), 1);
}

TEST(CliHttpClient, SkipsInterimResponsesAndHandlesEmptyBodies) {
    CliTestServer server([](const testing::ReceivedRequest& request) {
        if (request.method == "DELETE") return CannedReply{"HTTP/1.1 204 No Content\r\n\r\n"};
        return CannedReply{"HTTP/1.1 100 Continue\r\n\r\n" + httpResponse(201, "{}")};
    });
    HttpClient client("127.0.0.1", server.port());
    HttpResponse response;
    HttpError error;
    HttpRequest post = get("/v1/jobs");
    post.method = "POST";
    post.sendBody = true;
    post.body = "{\"name\":\"x\"}";
    ASSERT_TRUE(client.send(post, &response, &error)) << error.message;
    EXPECT_EQ(response.status, 201);
    HttpRequest remove = get("/v1/jobs/x");
    remove.method = "DELETE";
    ASSERT_TRUE(client.send(remove, &response, &error)) << error.message;
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(response.body, "");
    const auto requests = server.requests();
    EXPECT_EQ(requests[0].body, "{\"name\":\"x\"}");
    EXPECT_EQ(requests[0].headers.at("content-length"), "12");
    EXPECT_EQ(requests[1].headers.count("content-length"), 0u);
}

TEST(CliHttpClient, ConnectionCloseAndUnframedBodies) {
    CliTestServer server([](const testing::ReceivedRequest&) {
        return CannedReply{"HTTP/1.0 200 OK\r\n\r\nuntil the end", true};
    });
    HttpClient client("127.0.0.1", server.port());
    HttpResponse response;
    HttpError error;
    ASSERT_TRUE(client.send(get("/"), &response, &error)) << error.message;
    EXPECT_EQ(response.body, "until the end");
    EXPECT_FALSE(client.connected());
    ASSERT_TRUE(client.send(get("/"), &response, &error)) << error.message;
    EXPECT_EQ(client.connectionsOpened(), 2);
}

TEST(CliHttpClient, RetriesAnIdempotentRequestWhenAKeptConnectionWentStale) {
    // The server closes after each response without saying so, as an idle timeout would.
    CliTestServer server([](const testing::ReceivedRequest&) {
        return CannedReply{httpResponse(200, "{}"), true};
    });
    HttpClient client("127.0.0.1", server.port());
    HttpResponse response;
    HttpError error;
    ASSERT_TRUE(client.send(get("/a"), &response, &error)) << error.message;
    std::this_thread::sleep_for(50ms);  // let the close arrive
    ASSERT_TRUE(client.send(get("/b"), &response, &error)) << error.message;
    EXPECT_EQ(client.connectionsOpened(), 2);

    // A POST is not repeated: the service might have acted on it.
    std::this_thread::sleep_for(50ms);
    HttpRequest post = get("/c");
    post.method = "POST";
    post.sendBody = true;
    EXPECT_FALSE(client.send(post, &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kConnectionLost) << error.message;
}

TEST(CliHttpClient, ReportsUnreachableTimeoutAndGarbageDistinctly) {
    HttpResponse response;
    HttpError error;
    HttpClient nobody("127.0.0.1", testing::unusedPort());
    EXPECT_FALSE(nobody.send(get("/"), &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kUnreachable);
    EXPECT_NE(error.message.find("Connection refused"), std::string::npos) << error.message;

    CliTestServer silent([](const testing::ReceivedRequest&) {
        return CannedReply{"", false, true};
    });
    HttpClient slow("127.0.0.1", silent.port());
    HttpRequest request = get("/");
    request.timeout = 200ms;
    EXPECT_FALSE(slow.send(request, &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kTimeout) << error.message;

    CliTestServer garbage([](const testing::ReceivedRequest&) {
        return CannedReply{"SSH-2.0-OpenSSH\r\n\r\n", true};
    });
    HttpClient confused("127.0.0.1", garbage.port());
    EXPECT_FALSE(confused.send(get("/"), &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kProtocol) << error.message;

    CliTestServer truncated([](const testing::ReceivedRequest&) {
        return CannedReply{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true};
    });
    HttpClient cut("127.0.0.1", truncated.port());
    EXPECT_FALSE(cut.send(get("/"), &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kConnectionLost) << error.message;
}

TEST(CliHttpClient, RefusedIpv6LoopbackIsUnreachable) {
    // The test server listens on IPv4 only; connecting to ::1 must fail cleanly, not hang.
    HttpClient client("::1", testing::unusedPort());
    HttpResponse response;
    HttpError error;
    EXPECT_FALSE(client.send(get("/"), &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kUnreachable) << error.message;
}

TEST(CliHttpClient, StopSignalInterruptsAnInterruptibleWait) {
    const pthread_t waiter = pthread_self();
    CliTestServer server([waiter](const testing::ReceivedRequest&) {
        pthread_kill(waiter, SIGTERM);
        return CannedReply{"", false, true};
    });
    StopSignalScope scope;
    HttpClient client("127.0.0.1", server.port());
    HttpRequest request = get("/v1/runs/1?wait=60s");
    request.timeout = 10s;
    request.interruptible = true;
    HttpResponse response;
    HttpError error;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(client.send(request, &response, &error));
    EXPECT_EQ(error.kind, HttpErrorKind::kInterrupted) << error.message;
    EXPECT_TRUE(stopRequested());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace belfry::cli
