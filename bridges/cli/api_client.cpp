#include "api_client.h"

#include <nlohmann/json.hpp>

#include "exit_codes.h"

namespace belfry::cli {
namespace {

// Error bodies are JSON by contract; anything else (a proxy's HTML page) is shown as its first
// line, bounded, so one line on stderr stays one line.
std::string firstLine(const std::string& text) {
    std::string line = text.substr(0, text.find_first_of("\r\n"));
    if (line.size() > 200) line = line.substr(0, 200) + "...";
    return line;
}

}  // namespace

std::string urlEncode(const std::string& value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
            (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
    return out;
}

ApiClient::ApiClient(Endpoint endpoint, std::string token, std::string tokenProblem)
    : endpoint_(std::move(endpoint)),
      authorization_(token.empty() ? std::string() : "Bearer " + token),
      tokenProblem_(std::move(tokenProblem)),
      http_(endpoint_.host, endpoint_.port) {}

ApiResult ApiClient::call(const std::string& method, const std::string& target, const Json* body,
                          std::chrono::milliseconds timeout, bool interruptible) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.timeout = timeout;
    request.interruptible = interruptible;
    request.headers.emplace_back("User-Agent", "belfry/" BELFRY_VERSION);
    request.headers.emplace_back("Accept", "application/json");
    if (!authorization_.empty()) request.headers.emplace_back("Authorization", authorization_);
    if (body || method == "POST" || method == "PUT") {
        request.sendBody = true;
        request.body = body ? compactJson(*body) : "{}";
        request.headers.emplace_back("Content-Type", "application/json");
    }

    ApiResult result;
    HttpResponse response;
    HttpError error;
    if (!http_.send(request, &response, &error)) {
        result.transportError = error.kind;
        switch (error.kind) {
            case HttpErrorKind::kUnreachable:
                result.exitCode = kExitTempFail;
                result.message = "cannot reach belfryd: " + error.message;
                break;
            case HttpErrorKind::kTimeout:
            case HttpErrorKind::kConnectionLost:
                result.exitCode = kExitTempFail;
                result.message = "no answer from belfryd: " + error.message;
                break;
            case HttpErrorKind::kProtocol:
                result.exitCode = kExitServiceError;
                result.message = "bad answer from belfryd: " + error.message;
                break;
            case HttpErrorKind::kInterrupted:
                result.exitCode = kExitCancelled;
                result.message = "interrupted";
                break;
        }
        return result;
    }

    result.status = response.status;
    std::optional<Json> parsed;
    if (!response.body.empty()) parsed = parseJson(response.body);
    if (parsed) result.body = std::move(*parsed);

    if (response.status >= 200 && response.status < 300) {
        if (!response.body.empty() && !parsed) {
            result.transportError = HttpErrorKind::kProtocol;
            result.exitCode = kExitServiceError;
            result.message = "bad answer from belfryd: " + method + " " + target + " returned " +
                             std::to_string(response.status) + " with a body that is not JSON";
            return result;
        }
        result.ok = true;
        return result;
    }

    result.exitCode = exitCodeForHttpStatus(response.status);
    const auto errorText = jsonString(result.body, "error");
    const auto detail = jsonString(result.body, "detail");
    if (errorText) {
        result.message = *errorText;
        if (detail && !detail->empty()) result.message += ": " + *detail;
    } else {
        result.message = "HTTP " + std::to_string(response.status);
        if (!response.reason.empty()) result.message += " " + response.reason;
        const std::string line = firstLine(response.body);
        if (!line.empty()) result.message += ": " + line;
    }
    if ((response.status == 401 || response.status == 403) && authorization_.empty() &&
        !tokenProblem_.empty()) {
        result.message += " (no token was sent: " + tokenProblem_ + ")";
    }
    return result;
}

}  // namespace belfry::cli
