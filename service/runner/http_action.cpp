#include "http_action.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <exception>
#include <istream>
#include <new>
#include <ostream>
#include <vector>

#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "cancellable_socket.h"
#include "output_tail.h"
#include "tls_socket.h"

namespace belfry {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::chrono::milliseconds kForever = std::chrono::hours(24 * 365 * 100);

bool hasLineBreak(const std::string& text) {
    return text.find_first_of("\r\n") != std::string::npos;
}

// Poco writes the request line and headers verbatim; a CR or LF from a job definition would let
// it smuggle headers or a second request.
std::string requestProblem(const HttpSpec& spec) {
    if (spec.method.empty() || spec.method.find_first_of(" \t\r\n") != std::string::npos) {
        return "invalid method '" + printableForMessage(spec.method) + "'";
    }
    for (const auto& [name, value] : spec.headers) {
        if (name.empty() || hasLineBreak(name) || name.find(':') != std::string::npos ||
            hasLineBreak(value)) {
            return "invalid header '" + printableForMessage(name) + "'";
        }
    }
    return {};
}

bool sendsContentLength(const HttpSpec& spec) {
    // An empty POST still needs "Content-Length: 0", or some servers answer 411.
    return !spec.body.empty() || spec.method == "POST" || spec.method == "PUT" ||
           spec.method == "PATCH";
}

class Exchange {
  public:
    Exchange(const HttpSpec& spec, const CancelSource& cancel)
        : spec_(spec),
          cancel_(cancel),
          what_(printableForMessage(spec.method, 20) + " request"),
          tail_(spec.responseLimit) {
        if (spec.timeout.count() > 0 && spec.timeout < kForever) {
            deadline_ = Clock::now() + spec.timeout;
        }
    }

    ActionOutcome run() {
        if (cancel_.cancelled()) return interrupted("");
        Poco::URI uri;
        try {
            uri = Poco::URI(spec_.url);
        } catch (const Poco::Exception& e) {
            return failed("invalid URL: " + e.displayText());
        }
        // Webhook URLs often carry secrets in the user info or the query, and error messages end
        // up in logs and the runs table: name the endpoint without them.
        const std::string host = uri.getHost().find(':') == std::string::npos
                                     ? uri.getHost()
                                     : "[" + uri.getHost() + "]";  // IPv6 literal
        what_ = printableForMessage(spec_.method, 20) + " " +
                printableForMessage(uri.getScheme() + "://" + host + ":" +
                                        std::to_string(uri.getPort()) + uri.getPath(),
                                    300);
        const bool tls = uri.getScheme() == "https";
        if (!tls && uri.getScheme() != "http") {
            return failed("unsupported URL scheme '" + printableForMessage(uri.getScheme()) +
                          "' (expected http or https)");
        }
        if (uri.getHost().empty()) return failed("invalid URL: no host");
        if (const std::string problem = requestProblem(spec_); !problem.empty()) {
            return failed(problem);
        }

        try {
            // The session takes its socket from us so that every connect, send and receive
            // waits on the cancel source and the deadline (see cancellable_socket.h).
            Poco::Net::HTTPClientSession session(Poco::Net::StreamSocket(
                tls ? new TlsSocketImpl(cancel_, deadline_, {uri.getHost(), spec_.caFile})
                    : new CancellableSocketImpl(cancel_, deadline_)));
            session.setHost(uri.getHost());
            session.setPort(uri.getPort());
            session.setKeepAlive(false);
            return exchange(session, uri);
        } catch (const Poco::Exception& e) {
            return interrupted(e.displayText());
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {  // the standard library underneath Poco
            return interrupted(e.what());
        }
    }

  private:
    ActionOutcome exchange(Poco::Net::HTTPClientSession& session, const Poco::URI& uri) {
        std::string target = uri.getPathAndQuery();
        if (target.empty()) target = "/";
        Poco::Net::HTTPRequest request(spec_.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [name, value] : spec_.headers) request.set(name, value);
        if (sendsContentLength(spec_)) {
            request.setContentLength(static_cast<std::streamsize>(spec_.body.size()));
        }

        std::ostream& requestBody = session.sendRequest(request);
        requestBody.write(spec_.body.data(), static_cast<std::streamsize>(spec_.body.size()));
        requestBody.flush();
        // The stream swallows the socket's exception; the session keeps it.
        if (!requestBody) return interrupted(networkError(session));

        Poco::Net::HTTPResponse response;
        std::istream& responseBody = session.receiveResponse(response);
        status_ = static_cast<int>(response.getStatus());

        // peek() blocks until some of the body is there, readsome() then takes what arrived.
        // Unlike read(), this keeps the bytes that came before a timeout or cancel.
        std::vector<char> buffer(kReadChunk);
        while (responseBody.peek() != std::char_traits<char>::eof()) {
            const auto n =
                responseBody.readsome(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            tail_.append(buffer.data(), static_cast<std::size_t>(n));
        }
        if (responseBody.bad()) {
            return interrupted("reading the response body: " + networkError(session));
        }

        ActionOutcome outcome = withOutput(Ending::Exited);
        outcome.httpStatusExpected = spec_.expectLow <= status_ && status_ <= spec_.expectHigh;
        if (!outcome.httpStatusExpected) {
            outcome.error = what_ + ": HTTP " + std::to_string(status_) + " " +
                            printableForMessage(response.getReason()) + " (expected " +
                            std::to_string(spec_.expectLow) + "-" +
                            std::to_string(spec_.expectHigh) + ")";
        }
        return outcome;
    }

    static std::string networkError(const Poco::Net::HTTPClientSession& session) {
        const Poco::Exception* e = session.networkException();
        return e != nullptr ? e->displayText() : "connection lost";
    }

    // Something stopped the exchange; the cancel source and the clock say whether it was us.
    ActionOutcome interrupted(const std::string& cause) {
        if (cancel_.cancelled()) {
            ActionOutcome outcome = withOutput(Ending::Cancelled);
            outcome.cancelReason = cancel_.reason();
            return outcome;
        }
        if (deadline_ && Clock::now() >= *deadline_) {
            ActionOutcome outcome = withOutput(Ending::TimedOut);
            outcome.error = what_ + ": timed out after " + formatDuration(spec_.timeout);
            return outcome;
        }
        return failed(cause);
    }

    ActionOutcome failed(const std::string& cause) {
        ActionOutcome outcome = withOutput(Ending::RequestFailed);
        outcome.error = what_ + ": " + cause;
        return outcome;
    }

    ActionOutcome withOutput(Ending ending) const {
        ActionOutcome outcome;
        outcome.ending = ending;
        outcome.httpStatus = status_;
        outcome.output = tail_.text();
        outcome.outputBytes = tail_.totalBytes();
        return outcome;
    }

    const HttpSpec& spec_;
    const CancelSource& cancel_;
    std::string what_;  // "POST http://host:port/path", the start of every error message
    CancellableSocketImpl::Deadline deadline_;
    OutputTail tail_;
    int status_ = 0;
};

}  // namespace

ActionOutcome runHttp(const HttpSpec& spec, const CancelSource& cancel) {
    return Exchange(spec, cancel).run();
}

}  // namespace belfry
