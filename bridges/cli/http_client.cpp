#include "http_client.h"

#include <algorithm>

namespace belfry::cli {
namespace {

// Replies of this API are small JSON documents; the largest is a page of runs with their output
// tails. Anything beyond these limits is not belfryd talking.
constexpr std::size_t kMaxHeadSize = 64 * 1024;
constexpr std::size_t kMaxBodySize = 64 * 1024 * 1024;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string_view trimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// True when the comma-separated header value lists `token` (as in "Connection: keep-alive, close").
bool hasToken(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (equalsIgnoreCase(trimSpaces(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// The last coding of a Transfer-Encoding value ("gzip, chunked" -> "chunked").
std::string_view lastToken(std::string_view value) {
    const auto comma = value.rfind(',');
    return trimSpaces(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

bool parseDecimal(std::string_view text, std::size_t* value) {
    text = trimSpaces(text);
    if (text.empty() || text.size() > 18) return false;
    std::size_t result = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        result = result * 10 + static_cast<std::size_t>(c - '0');
    }
    *value = result;
    return true;
}

bool parseHex(std::string_view text, std::size_t* value) {
    text = trimSpaces(text);
    if (text.empty() || text.size() > 15) return false;
    std::size_t result = 0;
    for (char c : text) {
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return false;
        }
        result = result * 16 + static_cast<std::size_t>(digit);
    }
    *value = result;
    return true;
}

bool isIdempotent(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS";
}

bool fail(HttpError* error, HttpErrorKind kind, std::string message) {
    error->kind = kind;
    error->message = std::move(message);
    return false;
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) return &value;
    }
    return nullptr;
}

HttpClient::HttpClient(std::string host, std::uint16_t port,
                       std::chrono::milliseconds connectTimeout)
    : host_(std::move(host)), port_(port), connectTimeout_(connectTimeout) {}

HttpClient::~HttpClient() {
    close();
}

void HttpClient::close() {
    if (connected()) closeTransport();
    socket_ = kNoSocket;
    buffer_.clear();
    readPos_ = 0;
    exchangesOnConnection_ = 0;
}

std::string HttpClient::describe() const {
    const bool ipv6 = host_.find(':') != std::string::npos;
    return (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

bool HttpClient::send(const HttpRequest& request, HttpResponse* response, HttpError* error) {
    const auto deadline = Clock::now() + request.timeout;
    const bool reused = connected() && exchangesOnConnection_ > 0;
    bool nothingReceived = false;
    if (exchange(request, deadline, response, error, &nothingReceived)) return true;
    // A server may close an idle keep-alive connection at any time; the request then dies
    // without an answer. Repeating it is only harmless when the method is idempotent.
    if (reused && nothingReceived && error->kind == HttpErrorKind::kConnectionLost &&
        isIdempotent(request.method)) {
        return exchange(request, deadline, response, error, &nothingReceived);
    }
    return false;
}

bool HttpClient::exchange(const HttpRequest& request, Clock::time_point deadline,
                          HttpResponse* response, HttpError* error, bool* nothingReceived) {
    *nothingReceived = true;
    if (!connected()) {
        if (!openTransport(request, deadline, error)) {
            close();
            return false;
        }
        ++connectionsOpened_;
    }
    buffer_.erase(0, readPos_);
    readPos_ = 0;

    std::string wire;
    wire.reserve(256 + request.body.size());
    wire.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
    wire.append("Host: ").append(describe()).append("\r\n");
    for (const auto& [name, value] : request.headers) {
        wire.append(name).append(": ").append(value).append("\r\n");
    }
    if (request.sendBody) {
        wire.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    }
    wire.append("\r\n").append(request.body);
    if (!writeAll(wire, request, deadline, error)) {
        close();
        return false;
    }
    ++exchangesOnConnection_;

    *response = HttpResponse();
    bool keepAlive = true;
    if (!readHead(request, deadline, response, &keepAlive, error, nothingReceived) ||
        !readBody(request, deadline, response, &keepAlive, error)) {
        close();
        return false;
    }
    // Bytes beyond the response mean the framing was misread; the connection cannot be trusted.
    if (!keepAlive || readPos_ != buffer_.size()) close();
    return true;
}

bool HttpClient::fill(std::size_t size, const HttpRequest& request, Clock::time_point deadline,
                      HttpError* error) {
    while (buffer_.size() - readPos_ < size) {
        bool eof = false;
        if (!readSome(request, deadline, &eof, error)) return false;
        if (eof) {
            return fail(error, HttpErrorKind::kConnectionLost,
                        describe() + " closed the connection before the response was complete");
        }
    }
    return true;
}

bool HttpClient::fillUntil(std::string_view delimiter, std::size_t limit,
                           const HttpRequest& request, Clock::time_point deadline, std::size_t* at,
                           HttpError* error) {
    std::size_t searchFrom = readPos_;
    for (;;) {
        const auto found = buffer_.find(delimiter, searchFrom);
        if (found != std::string::npos) {
            *at = found;
            return true;
        }
        if (buffer_.size() - readPos_ > limit) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " has an over-long header or chunk line");
        }
        searchFrom =
            std::max(readPos_, buffer_.size() - std::min(buffer_.size(), delimiter.size()));
        bool eof = false;
        if (!readSome(request, deadline, &eof, error)) return false;
        if (eof) {
            return fail(error, HttpErrorKind::kConnectionLost,
                        describe() + " closed the connection before the response was complete");
        }
    }
}

bool HttpClient::readHead(const HttpRequest& request, Clock::time_point deadline,
                          HttpResponse* response, bool* keepAlive, HttpError* error,
                          bool* nothingReceived) {
    for (;;) {
        std::size_t end = 0;
        if (!fillUntil("\r\n\r\n", kMaxHeadSize, request, deadline, &end, error)) {
            *nothingReceived = buffer_.size() == readPos_;
            return false;
        }
        *nothingReceived = false;
        const std::string_view head(buffer_.data() + readPos_, end - readPos_);
        readPos_ = end + 4;

        const auto lineEnd = head.find("\r\n");
        const std::string_view statusLine = head.substr(0, lineEnd);
        // "HTTP/1.1 200 OK": version, a three-digit status, an optional reason.
        if (statusLine.size() < 12 || statusLine.substr(0, 7) != "HTTP/1." ||
            statusLine[8] != ' ' || (statusLine.size() > 12 && statusLine[12] != ' ')) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " is not HTTP/1.x");
        }
        int status = 0;
        for (int i = 9; i < 12; ++i) {
            const char c = statusLine[static_cast<std::size_t>(i)];
            if (c < '0' || c > '9') {
                return fail(error, HttpErrorKind::kProtocol,
                            "response from " + describe() + " has no valid status code");
            }
            status = status * 10 + (c - '0');
        }
        response->status = status;
        response->reason = statusLine.size() > 13 ? std::string(statusLine.substr(13)) : "";
        response->headers.clear();
        std::string_view rest =
            lineEnd == std::string_view::npos ? std::string_view() : head.substr(lineEnd + 2);
        while (!rest.empty()) {
            const auto next = rest.find("\r\n");
            const std::string_view line = rest.substr(0, next);
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) {
                return fail(error, HttpErrorKind::kProtocol,
                            "response from " + describe() + " has a malformed header line");
            }
            response->headers.emplace_back(std::string(trimSpaces(line.substr(0, colon))),
                                           std::string(trimSpaces(line.substr(colon + 1))));
        }
        if (status >= 100 && status < 200) {
            if (status == 101) {
                return fail(error, HttpErrorKind::kProtocol,
                            describe() + " switched protocols, which was not asked for");
            }
            continue;  // interim response (100 Continue, 102, 103): the real one follows
        }
        const bool http10 = statusLine[7] == '0';
        const std::string* connection = response->header("Connection");
        *keepAlive = http10 ? (connection && hasToken(*connection, "keep-alive"))
                            : !(connection && hasToken(*connection, "close"));
        return true;
    }
}

bool HttpClient::readBody(const HttpRequest& request, Clock::time_point deadline,
                          HttpResponse* response, bool* keepAlive, HttpError* error) {
    const int status = response->status;
    if (request.method == "HEAD" || status == 204 || status == 304) return true;

    if (const std::string* encoding = response->header("Transfer-Encoding")) {
        if (equalsIgnoreCase(lastToken(*encoding), "chunked")) {
            return readChunked(request, deadline, &response->body, error);
        }
        *keepAlive = false;  // any other coding is delimited by the end of the connection
    } else if (const std::string* length = response->header("Content-Length")) {
        std::size_t size = 0;
        if (!parseDecimal(*length, &size)) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " has an invalid Content-Length");
        }
        if (size > kMaxBodySize) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " is too large");
        }
        if (!fill(size, request, deadline, error)) return false;
        response->body.assign(buffer_, readPos_, size);
        readPos_ += size;
        return true;
    } else {
        *keepAlive = false;
    }
    // No framing: the body ends when the server closes the connection.
    for (;;) {
        bool eof = false;
        if (!readSome(request, deadline, &eof, error)) return false;
        if (eof) break;
        if (buffer_.size() - readPos_ > kMaxBodySize) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " is too large");
        }
    }
    response->body.assign(buffer_, readPos_, std::string::npos);
    readPos_ = buffer_.size();
    return true;
}

bool HttpClient::readChunked(const HttpRequest& request, Clock::time_point deadline,
                             std::string* body, HttpError* error) {
    constexpr std::size_t kMaxLine = 4096;
    for (;;) {
        std::size_t lineEnd = 0;
        if (!fillUntil("\r\n", kMaxLine, request, deadline, &lineEnd, error)) return false;
        std::string_view line(buffer_.data() + readPos_, lineEnd - readPos_);
        line = line.substr(0, line.find(';'));  // chunk extensions carry nothing for us
        std::size_t size = 0;
        if (!parseHex(line, &size)) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " has an invalid chunk size");
        }
        readPos_ = lineEnd + 2;
        if (size == 0) break;
        if (size > kMaxBodySize || body->size() + size > kMaxBodySize) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " is too large");
        }
        if (!fill(size + 2, request, deadline, error)) return false;
        if (buffer_.compare(readPos_ + size, 2, "\r\n") != 0) {
            return fail(error, HttpErrorKind::kProtocol,
                        "response from " + describe() + " has a chunk without its CRLF");
        }
        body->append(buffer_, readPos_, size);
        readPos_ += size + 2;
    }
    // Trailer fields, if any, end with an empty line; none of them matter here.
    for (;;) {
        std::size_t lineEnd = 0;
        if (!fillUntil("\r\n", kMaxHeadSize, request, deadline, &lineEnd, error)) return false;
        const bool empty = lineEnd == readPos_;
        readPos_ = lineEnd + 2;
        if (empty) return true;
    }
}

}  // namespace belfry::cli
