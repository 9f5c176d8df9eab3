// Runs one HTTP action (a webhook call) to completion on the calling thread: sends one request,
// follows no redirects, and reports the status and the tail of the response body.
//
// Thread-safety: runHttp() may be called from many worker threads at once; each call has its own
// session. It never throws for anything the server or the network does: those are outcomes. It
// throws only std::bad_alloc.
//
// https: the server's certificate must chain to the system CA store (or only to `caFile` when set)
// and name the URL's host; see tls_socket.h. Redirects are never followed: a 3xx is an answer
// like any other, judged by the expected range. Name resolution (getaddrinfo) can neither be
// cancelled nor cut short by the timeout; use IP addresses or a responsive resolver for
// time-critical hooks.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "action_outcome.h"
#include "cancel_source.h"

namespace belfry {

struct HttpSpec {
    std::string method = "POST";
    std::string url;                             // http[s]://host[:port]/path?query
    std::string caFile;                          // https: trust only this CA bundle (PEM)
    std::map<std::string, std::string> headers;  // sent as given; Host is filled in if absent
    std::string body;                            // sent with Content-Length
    int expectLow = 200;                         // success: expectLow <= status <= expectHigh
    int expectHigh = 299;
    std::chrono::milliseconds timeout{0};   // 0: none; else one deadline for the whole exchange
    std::size_t responseLimit = 64 * 1024;  // tail of the response body kept in the outcome
};

// Outcomes: Exited with httpStatus (httpStatusExpected tells success; error explains a status
// outside the range), TimedOut, Cancelled (within milliseconds of cancel(), at any stage after
// name resolution), or RequestFailed with an error naming the method, URL and cause. httpStatus
// is kept when the response broke off after its headers.
ActionOutcome runHttp(const HttpSpec& spec, const CancelSource& cancel);

}  // namespace belfry
