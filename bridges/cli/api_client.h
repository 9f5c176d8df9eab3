// Calls belfryd's REST API (DESIGN.md, "REST"): adds the bearer token, sends and parses JSON, and
// turns every failure into one message for stderr plus an exit code from exit_codes.h, so commands
// only decide what to print on success.
//
// Thread-safety: like the HttpClient it owns, an ApiClient is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "endpoint.h"
#include "http_client.h"
#include "json_util.h"

namespace belfry::cli {

struct ApiResult {
    bool ok = false;                              // a 2xx response whose body, if any, is JSON
    int status = 0;                               // HTTP status; 0 when no response arrived
    std::optional<HttpErrorKind> transportError;  // set when no (valid) response arrived
    Json body;                                    // the parsed body; null for an empty one (204)
    int exitCode = 0;                             // for !ok: the exit code that reports the failure
    std::string message;  // for !ok: "<error>: <detail>" or what went wrong, no "belfry: " prefix
};

class ApiClient {
  public:
    // `token` empty: requests go without Authorization, and a 401/403 mentions `tokenProblem`
    // (why no token could be read).
    ApiClient(Endpoint endpoint, std::string token, std::string tokenProblem);

    // Sends METHOD `target` with `body` as JSON when given (POST/PUT always send a body, `{}` when
    // none is given). `timeout` bounds the whole exchange; `interruptible` lets a stop signal
    // abort it (see HttpRequest).
    ApiResult call(const std::string& method, const std::string& target, const Json* body = nullptr,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30),
                   bool interruptible = false);

    // Drops the kept-alive connection (after an interrupted exchange, whose reply is unread).
    void disconnect() { http_.close(); }

    const Endpoint& endpoint() const { return endpoint_; }

  private:
    Endpoint endpoint_;
    std::string authorization_;
    std::string tokenProblem_;
    HttpClient http_;
};

// `value` percent-encoded for a URL path segment or query value (RFC 3986 unreserved kept).
std::string urlEncode(const std::string& value);

}  // namespace belfry::cli
