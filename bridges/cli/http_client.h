// A minimal HTTP/1.1 client for belfryd's REST API: one connection to one host:port, requests sent
// with Content-Length, responses read with Content-Length, chunked or until-close bodies, and the
// connection kept alive between requests (so `belfry fire`'s long-poll loop reuses it). No TLS,
// redirects, proxies or compression: the service listens on loopback, and `belfry fire` must stay
// free of shared libraries (Poco's alone cost over a millisecond per start).
//
// The protocol lives in http_client.cpp; the socket calls live in http_client-<platform>.cpp
// behind the private transport functions below, so a Winsock version can follow.
//
// Errors are values: send() returns false with an HttpError whose kind tells "the service is not
// there" from "it answered nonsense". A request over a reused keep-alive connection that the server
// closed meanwhile is retried once on a fresh connection, but only for idempotent methods.
//
// Thread-safety: an HttpClient is not safe for concurrent use; give each thread its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace belfry::cli {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";  // path and query, already percent-encoded
    HttpHeaders headers;       // besides Host and Content-Length, which are added
    std::string body;
    bool sendBody = false;  // true: send Content-Length (also for an empty body, as for POST)
    // Budget for the whole exchange, connecting included. A long-poll needs its wait plus margin.
    std::chrono::milliseconds timeout{30'000};
    // True: a stop signal (see stop_signal.h) aborts the exchange with kInterrupted. False: the
    // exchange completes and the caller looks at stopRequested() afterwards.
    bool interruptible = false;
};

struct HttpResponse {
    int status = 0;
    std::string reason;
    HttpHeaders headers;  // names as received
    std::string body;     // decoded from chunked transfer coding if it was chunked

    // The first header called `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

enum class HttpErrorKind {
    kUnreachable,     // could not connect: refused, no route, name not resolved, connect timeout
    kTimeout,         // connected, but the exchange did not finish within the request's timeout
    kConnectionLost,  // the server closed or reset the connection before the response was complete
    kProtocol,        // the server's response is not valid HTTP/1.x (or is too large)
    kInterrupted,     // a stop signal arrived during an interruptible request
};

struct HttpError {
    HttpErrorKind kind = HttpErrorKind::kProtocol;
    std::string message;  // e.g. "connect to 127.0.0.1:8470: Connection refused"
};

class HttpClient {
  public:
    // `host` is an address literal or a name (IPv6 without brackets). Nothing is connected until
    // the first send().
    HttpClient(std::string host, std::uint16_t port,
               std::chrono::milliseconds connectTimeout = std::chrono::milliseconds(3'000));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends `request` and reads the whole response (interim 1xx responses skipped). On failure
    // returns false, fills `error` and leaves the client disconnected; the next send() reconnects.
    bool send(const HttpRequest& request, HttpResponse* response, HttpError* error);

    // Drops the connection, if any.
    void close();

    bool connected() const { return socket_ != kNoSocket; }

    // Connections opened so far (tests use it to prove keep-alive reuse).
    int connectionsOpened() const { return connectionsOpened_; }

  private:
    using Clock = std::chrono::steady_clock;
    static constexpr std::intptr_t kNoSocket = -1;

    bool exchange(const HttpRequest& request, Clock::time_point deadline, HttpResponse* response,
                  HttpError* error, bool* nothingReceived);
    bool readHead(const HttpRequest& request, Clock::time_point deadline, HttpResponse* response,
                  bool* keepAlive, HttpError* error, bool* nothingReceived);
    bool readBody(const HttpRequest& request, Clock::time_point deadline, HttpResponse* response,
                  bool* keepAlive, HttpError* error);
    bool readChunked(const HttpRequest& request, Clock::time_point deadline, std::string* body,
                     HttpError* error);
    // Makes sure buffer_ holds at least `size` bytes past readPos_.
    bool fill(std::size_t size, const HttpRequest& request, Clock::time_point deadline,
              HttpError* error);
    // Reads until buffer_ contains `delimiter` after readPos_; returns its offset in `*at`.
    bool fillUntil(std::string_view delimiter, std::size_t limit, const HttpRequest& request,
                   Clock::time_point deadline, std::size_t* at, HttpError* error);
    std::string describe() const;  // "127.0.0.1:8470" for messages

    // Transport, implemented per platform (http_client-posix.cpp).
    bool openTransport(const HttpRequest& request, Clock::time_point deadline, HttpError* error);
    bool writeAll(std::string_view data, const HttpRequest& request, Clock::time_point deadline,
                  HttpError* error);
    // Appends what is available (waiting for at least one byte) to buffer_; `*eof` set when the
    // peer closed the connection.
    bool readSome(const HttpRequest& request, Clock::time_point deadline, bool* eof,
                  HttpError* error);
    void closeTransport();

    std::string host_;
    std::uint16_t port_;
    std::chrono::milliseconds connectTimeout_;
    std::intptr_t socket_ = kNoSocket;  // a file descriptor on POSIX, a SOCKET on Windows
    std::string buffer_;                // received, not yet consumed bytes start at readPos_
    std::size_t readPos_ = 0;
    int exchangesOnConnection_ = 0;
    int connectionsOpened_ = 0;
};

}  // namespace belfry::cli
