#include "api_server.h"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace belfry {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// How far past the limit a body is still read (and discarded) so the client sees the 413.
constexpr std::size_t kDrainFactor = 16;

void send(HTTPServerResponse& out, const ApiResponse& response) {
    out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
    for (const auto& [name, value] : response.headers) out.set(name, value);
    out.set("Cache-Control", "no-store");
    if (!response.json) {
        out.setContentLength(0);
        out.send();
        return;
    }
    std::ostringstream body;
    Poco::JSON::Stringifier::stringify(response.json, body);
    body << '\n';
    const auto text = body.str();
    out.setContentType("application/json");
    out.setContentLength(static_cast<std::streamsize>(text.size()));
    out.send() << text;
}

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    ApiRequestHandler(const ApiRouter& router, std::size_t maxBody)
        : router_(router), maxBody_(maxBody) {}

    void handleRequest(HTTPServerRequest& in, HTTPServerResponse& out) override {
        try {
            send(out, handle(in, out));
        } catch (const std::exception& e) {
            spdlog::error("{} {}: {}", in.getMethod(), in.getURI(), e.what());
            if (!out.sent()) send(out, errorResponse(500, "internal error", e.what()));
        }
    }

  private:
    ApiResponse handle(HTTPServerRequest& in, HTTPServerResponse& out) {
        ApiRequest request;
        request.method = in.getMethod();
        try {
            const Poco::URI uri(in.getURI());
            uri.getPathSegments(request.segments);
            for (const auto& [key, value] : uri.getQueryParameters()) request.query[key] = value;
        } catch (const Poco::SyntaxException& e) {
            return errorResponse(400, "invalid request", "malformed URI: " + e.message());
        }
        request.authorization = in.get("Authorization", "");
        // An oversized body is never kept in memory. Up to a bound it is read and discarded
        // before answering, because a client still sending when the server closes gets a reset
        // and never sees the 413; beyond that the connection is simply closed after the answer.
        auto& stream = in.stream();
        char buffer[8192];
        if (in.hasContentLength() && static_cast<std::size_t>(in.getContentLength64()) > maxBody_) {
            out.setKeepAlive(false);
            if (static_cast<std::size_t>(in.getContentLength64()) <= kDrainFactor * maxBody_) {
                while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
                }
            }
            return tooLarge();
        }
        std::string body;
        std::size_t received = 0;
        while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
            received += static_cast<std::size_t>(stream.gcount());
            if (received <= maxBody_)
                body.append(buffer, static_cast<std::size_t>(stream.gcount()));
            if (received > kDrainFactor * maxBody_) break;
        }
        if (received > maxBody_) {
            out.setKeepAlive(false);
            return tooLarge();
        }
        request.body = std::move(body);
        return router_.handle(request);
    }

    ApiResponse tooLarge() const {
        return errorResponse(413, "request body too large",
                             "the limit is " + std::to_string(maxBody_) + " bytes (http.max_body)");
    }

    const ApiRouter& router_;
    std::size_t maxBody_;
};

class ApiRequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    ApiRequestHandlerFactory(const ApiRouter& router, std::size_t maxBody)
        : router_(router), maxBody_(maxBody) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new ApiRequestHandler(router_, maxBody_);
    }

  private:
    const ApiRouter& router_;
    std::size_t maxBody_;
};

}  // namespace

ApiServer::ApiServer(const ApiRouter& router, ApiServerOptions options)
    : router_(router), options_(std::move(options)) {}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::start() {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(options_.host, static_cast<Poco::UInt16>(options_.port)),
                /*reuseAddress=*/true);
    socket.listen(256);
    boundPort_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.maxThreads);
    params->setMaxQueued(512);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    // Poco's TCPServerDispatcher::stop() wakes only the pool threads already waiting for a
    // connection: one still finishing a request when belfryd stops then waits out its full idle
    // time before it sees the stop, and stop() below (joinAll) with it. With Poco's default of
    // 10 s, a stop right after a request took 10 s (seen under load in CI); this bounds it to 1 s,
    // at the price of one wake-up a second of the idle dispatcher thread.
    params->setThreadIdleTime(Poco::Timespan(1, 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(
        new ApiRequestHandlerFactory(router_, options_.maxBodyBytes), socket, params);
    server_->start();
}

void ApiServer::stop() {
    if (!server_) return;
    server_->stopAll(/*abortCurrent=*/true);
    // stopAll() does not wait for handlers already running (a long-poll, say); they use the
    // store and the executor, which belfryd destroys next. Poco's HTTPServer runs them in the
    // default pool, which nothing else in belfryd uses.
    Poco::ThreadPool::defaultPool().joinAll();
    server_.reset();
}

}  // namespace belfry
